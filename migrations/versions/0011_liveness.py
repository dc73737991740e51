"""liveness: worker heartbeats, the sweeper's lease, and which process claimed an outbox row

Revision ID: 0011_liveness
Revises: 0010_drills
Create Date: 2026-12-06 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_liveness'
down_revision = '0010_drills'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_beats',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('host', sa.String(length=100), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('worker_beats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_beats_beat_at'), ['beat_at'], unique=False)

    op.create_table('sweeper_lease',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=32), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('swept_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
    op.drop_table('sweeper_lease')
    with op.batch_alter_table('worker_beats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_beats_beat_at'))
    op.drop_table('worker_beats')
