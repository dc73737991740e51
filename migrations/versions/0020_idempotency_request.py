"""idempotency request: what a need's Idempotency-Key was first sent with (the incident and the body, as a digest),
so the same key sent with another request is refused instead of answered with the first one's need

Revision ID: 0020_idempotency_request
Revises: 0019_duty_groups
Create Date: 2026-12-06 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_idempotency_request'
down_revision = '0019_duty_groups'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_digest', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('request_digest')
