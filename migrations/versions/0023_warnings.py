"""warnings: early warnings (预警) of a county with their grid cells, entered by an officer or read from CAP files, the
CAP alerts applied to each (so an Update or a Cancel finds its warning, and a file read twice changes nothing), and
the standby polls each warning sent (a team's ready head count)

Revision ID: 0023_warnings
Revises: 0022_member_duty
Create Date: 2026-12-07 08:48:59.776786

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_warnings'
down_revision = '0022_member_duty'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('colour', sa.String(length=10), nullable=True),
    sa.Column('category', sa.Enum('natural_disaster', 'accident', 'public_health', 'social_security', name='incidentcategory', native_enum=False, length=32), nullable=False),
    sa.Column('level', sa.Enum('I', 'II', 'III', 'IV', name='incidentlevel', native_enum=False, length=32), nullable=True),
    sa.Column('headline', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('sender_name', sa.String(length=200), nullable=False),
    sa.Column('area', sa.Text(), nullable=True),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['lifted_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warnings_county_id'), ['county_id'], unique=False)

    op.create_table('warning_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=200), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('msg_type', sa.String(length=10), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], ),
    sa.ForeignKeyConstraint(['warning_id'], ['warnings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('county_id', 'sender', 'identifier', name='uq_warning_alerts_county_sender_identifier')
    )
    with op.batch_alter_table('warning_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_alerts_warning_id'), ['warning_id'], unique=False)

    op.create_table('warning_cells',
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cell_id'], ['grid_cells.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warning_id'], ['warnings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('warning_id', 'cell_id')
    )
    with op.batch_alter_table('warning_cells', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_cells_cell_id'), ['cell_id'], unique=False)


    op.create_table('standby_polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('asked_again_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ready', sa.Integer(), nullable=True),
    sa.Column('answered_via', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['warning_id'], ['warnings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('warning_id', 'organization_id', name='uq_standby_polls_warning_organization')
    )
    with op.batch_alter_table('standby_polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standby_polls_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_standby_polls_warning_id'), ['warning_id'], unique=False)


def downgrade():
    with op.batch_alter_table('standby_polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standby_polls_warning_id'))
        batch_op.drop_index(batch_op.f('ix_standby_polls_organization_id'))

    op.drop_table('standby_polls')
    with op.batch_alter_table('warning_cells', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_cells_cell_id'))

    op.drop_table('warning_cells')
    with op.batch_alter_table('warning_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_alerts_warning_id'))

    op.drop_table('warning_alerts')
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warnings_county_id'))

    op.drop_table('warnings')
