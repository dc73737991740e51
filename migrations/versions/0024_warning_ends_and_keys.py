"""warning ends and keys: when a warning's end (lifted, cancelled, expired) was written to the event log, an officer's
Idempotency-Key for entering a warning (with what it was first sent with), and the earlier standby poll whose SMS
asked a team for another warning too

Revision ID: 0024_warning_ends_and_keys
Revises: 0023_warnings
Create Date: 2026-12-07 12:00:00.000000

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_warning_ends_and_keys'
down_revision = '0023_warnings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('request_digest', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_warnings_creator_key', ['created_by', 'idempotency_key'])
    with op.batch_alter_table('standby_polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_poll_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_standby_polls_shared_poll_id_standby_polls', 'standby_polls', ['shared_poll_id'], ['id'])
    # Warnings over before this revision ended unannounced; the sweeper is not to announce them now.
    warnings = sa.table(
        'warnings', sa.column('ended_at', sa.DateTime()), sa.column('lifted_at', sa.DateTime()),
        sa.column('expires_at', sa.DateTime()),
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == 'sqlite':  # stored as naive UTC there
        now = now.replace(tzinfo=None)
    op.execute(
        warnings.update()
        .where(sa.or_(warnings.c.lifted_at.isnot(None), warnings.c.expires_at <= now))
        .values(ended_at=sa.func.coalesce(warnings.c.lifted_at, warnings.c.expires_at))
    )


def downgrade():
    with op.batch_alter_table('standby_polls', schema=None) as batch_op:
        batch_op.drop_constraint('fk_standby_polls_shared_poll_id_standby_polls', type_='foreignkey')
        batch_op.drop_column('shared_poll_id')
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_warnings_creator_key', type_='unique')
        batch_op.drop_column('request_digest')
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('ended_at')
