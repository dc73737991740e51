"""recovery tasks and progress

Revision ID: 0009_recovery
Revises: 0008_evaluations
Create Date: 2026-11-27 20:44:21.922456

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_recovery'
down_revision = '0008_evaluations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recovery_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('source_need_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmation_note', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cell_id'], ['grid_cells.id'], ),
    sa.ForeignKeyConstraint(['confirmed_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], ),
    sa.ForeignKeyConstraint(['source_need_id'], ['needs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('need_id'),
    sa.UniqueConstraint('source_need_id')
    )
    with op.batch_alter_table('recovery_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_tasks_cell_id'), ['cell_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recovery_tasks_incident_id'), ['incident_id'], unique=False)

    op.create_table('progress_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.Column('client_ref', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('people >= 0 AND hours >= 0', name='ck_progress_reports_people_hours'),
    sa.CheckConstraint('percent >= 0 AND percent <= 100', name='ck_progress_reports_percent'),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['recovery_tasks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assignment_id', 'client_ref', name='uq_progress_reports_client_ref')
    )
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_reports_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_reports_task_id'), ['task_id'], unique=False)

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('response', 'recovery', name='needkind', native_enum=False, length=32), server_default='response', nullable=False))



def downgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_reports_task_id'))
        batch_op.drop_index(batch_op.f('ix_progress_reports_assignment_id'))

    op.drop_table('progress_reports')
    with op.batch_alter_table('recovery_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_tasks_incident_id'))
        batch_op.drop_index(batch_op.f('ix_recovery_tasks_cell_id'))

    op.drop_table('recovery_tasks')
