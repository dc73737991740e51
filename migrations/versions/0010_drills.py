"""drill runs

Revision ID: 0010_drills
Revises: 0009_recovery
Create Date: 2026-11-27 20:52:42.079327

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_drills'
down_revision = '0009_recovery'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('drill_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('subdistrict_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('mode', sa.Enum('auto', 'manual', name='drillmode', native_enum=False, length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('steps_done', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('running', 'finished', 'stopped', name='drillstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.ForeignKeyConstraint(['subdistrict_id'], ['subdistricts.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id')
    )
    with op.batch_alter_table('drill_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_runs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_runs_subdistrict_id'), ['subdistrict_id'], unique=False)



def downgrade():
    with op.batch_alter_table('drill_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_runs_subdistrict_id'))
        batch_op.drop_index(batch_op.f('ix_drill_runs_status'))

    op.drop_table('drill_runs')
