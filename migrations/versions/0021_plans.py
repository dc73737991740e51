"""plans: a subdistrict's or the county's emergency plans (应急预案) as versions, the versions started on incidents,
the organizations a plan designated for a need, and the plan task each need a plan posted came from

Revision ID: 0021_plans
Revises: 0020_idempotency_request
Create Date: 2026-12-07 08:31:18.748928

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_plans'
down_revision = '0020_idempotency_request'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('subdistrict_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.Enum('natural_disaster', 'accident', 'public_health', 'social_security', name='incidentcategory', native_enum=False, length=32), nullable=False),
    sa.Column('min_level', sa.Enum('I', 'II', 'III', 'IV', name='incidentlevel', native_enum=False, length=32), nullable=False),
    sa.Column('auto_start', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['subdistrict_id'], ['subdistricts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_county_id'), ['county_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_subdistrict_id'), ['subdistrict_id'], unique=False)

    op.create_table('plan_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'version', name='uq_plan_versions_plan_version')
    )
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_versions_plan_id'), ['plan_id'], unique=False)

    op.create_table('incident_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_versions.id'], ),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id', 'plan_version_id', name='uq_incident_plans_incident_version')
    )
    with op.batch_alter_table('incident_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_plans_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_plans_plan_version_id'), ['plan_version_id'], unique=False)

    op.create_table('need_designations',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('need_id', 'position')
    )
    with op.batch_alter_table('need_designations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_designations_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('plan_task', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_needs_incident_plan_task', ['incident_id', 'plan_version_id', 'plan_task'])
        batch_op.create_foreign_key('fk_needs_plan_version_id', 'plan_versions', ['plan_version_id'], ['id'])



def downgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_constraint('fk_needs_plan_version_id', type_='foreignkey')
        batch_op.drop_constraint('uq_needs_incident_plan_task', type_='unique')
        batch_op.drop_column('plan_task')
        batch_op.drop_column('plan_version_id')

    with op.batch_alter_table('need_designations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_designations_organization_id'))

    op.drop_table('need_designations')
    with op.batch_alter_table('incident_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_plans_plan_version_id'))
        batch_op.drop_index(batch_op.f('ix_incident_plans_incident_id'))

    op.drop_table('incident_plans')
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_versions_plan_id'))

    op.drop_table('plan_versions')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_subdistrict_id'))
        batch_op.drop_index(batch_op.f('ix_plans_county_id'))

    op.drop_table('plans')
