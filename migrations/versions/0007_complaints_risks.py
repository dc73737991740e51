"""complaints and risk reports

Revision ID: 0007_complaints_risks
Revises: 0006_training
Create Date: 2026-11-27 20:28:00.496644

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_complaints_risks'
down_revision = '0006_training'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('managing_body', sa.Enum('county', 'subdistrict', 'community', name='managingbody', native_enum=False, length=32), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.Integer(), nullable=True),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('open', 'upheld', 'dismissed', name='complaintstatus', native_enum=False, length=32), nullable=False),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['filed_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_organization_id'), ['organization_id'], unique=False)

    op.create_table('risk_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subdistrict_id', sa.Integer(), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('category', sa.Enum('flooding', 'landslide', 'fire', 'structure', 'traffic', 'public_health', 'other', name='riskcategory', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reported_by', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'incident', 'need', 'dismissed', name='riskstatus', native_enum=False, length=32), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('handled_by', sa.Integer(), nullable=True),
    sa.Column('handled_note', sa.Text(), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cell_id'], ['grid_cells.id'], ),
    sa.ForeignKeyConstraint(['handled_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['subdistrict_id'], ['subdistricts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('risk_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_reports_cell_id'), ['cell_id'], unique=False)
        batch_op.create_index('ix_risk_reports_subdistrict_status', ['subdistrict_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('risk_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_reports_subdistrict_status')
        batch_op.drop_index(batch_op.f('ix_risk_reports_cell_id'))

    op.drop_table('risk_reports')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_organization_id'))

    op.drop_table('complaints')
