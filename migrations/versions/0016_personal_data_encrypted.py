"""personal data encrypted: phones sealed with SM4-GCM at rest (organizations, members, users, grid cells, the
outbox and inbound messages), each looked-up phone with its keyed hash beside it; existing rows sealed in batches

Revision ID: 0016_personal_data_encrypted
Revises: 0015_two_factor_sessions
Create Date: 2026-12-06 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from dispatch.personal_data.columns import SealedColumn, opening, rewrite, sealing
from dispatch.personal_data.keys import keyring
from dispatch.models.table_copies import foreign_keys_off_on_sqlite


# revision identifiers, used by Alembic.
revision = '0016_personal_data_encrypted'
down_revision = '0015_two_factor_sessions'
branch_labels = None
depends_on = None

BATCH = 1000
# The columns as this revision found them (their width before, whether empty is allowed): frozen here, whatever
# the application's list of sealed columns becomes later.
COLUMNS = (
    (SealedColumn("organizations", "leader_phone", "leader_phone_hash"), 20, False),
    (SealedColumn("members", "phone", "phone_hash"), 20, False),
    (SealedColumn("users", "phone", "phone_hash"), 20, True),
    (SealedColumn("grid_cells", "worker_phone", "worker_phone_hash"), 20, True),
    (SealedColumn("outbox", "recipient"), 40, False),
    (SealedColumn("inbound_messages", "sender", "sender_hash"), 40, False),
)


def upgrade():
    with foreign_keys_off_on_sqlite(op.get_bind()):
        for sealed, width, nullable in COLUMNS:
            with op.batch_alter_table(sealed.table, schema=None) as batch_op:
                if sealed.table == "organizations":
                    batch_op.drop_index('ix_organizations_leader_phone')
                if sealed.table == "members":
                    batch_op.drop_constraint('uq_members_organization_phone', type_='unique')
                if sealed.hash_column:
                    batch_op.add_column(sa.Column(sealed.hash_column, sa.String(length=64), nullable=True))
                batch_op.alter_column(sealed.column, existing_type=sa.String(length=width), type_=sa.Text(),
                                      existing_nullable=nullable)
            _walk(sealed, sealing)
            if sealed.hash_column:
                with op.batch_alter_table(sealed.table, schema=None) as batch_op:
                    batch_op.alter_column(sealed.hash_column, existing_type=sa.String(length=64), nullable=nullable)
                    batch_op.create_index(batch_op.f(f'ix_{sealed.table}_{sealed.hash_column}'), [sealed.hash_column],
                                          unique=False)
                    if sealed.table == "members":
                        batch_op.create_unique_constraint('uq_members_organization_phone_hash',
                                                          ['organization_id', 'phone_hash'])


def downgrade():
    with foreign_keys_off_on_sqlite(op.get_bind()):
        for sealed, width, nullable in COLUMNS:
            _walk(sealed, opening)
            with op.batch_alter_table(sealed.table, schema=None) as batch_op:
                if sealed.hash_column:
                    if sealed.table == "members":
                        batch_op.drop_constraint('uq_members_organization_phone_hash', type_='unique')
                    batch_op.drop_index(batch_op.f(f'ix_{sealed.table}_{sealed.hash_column}'))
                    batch_op.drop_column(sealed.hash_column)
                batch_op.alter_column(sealed.column, existing_type=sa.Text(), type_=sa.String(length=width),
                                      existing_nullable=nullable)
                if sealed.table == "organizations":
                    batch_op.create_index('ix_organizations_leader_phone', ['leader_phone'], unique=False)
                if sealed.table == "members":
                    batch_op.create_unique_constraint('uq_members_organization_phone', ['organization_id', 'phone'])


def _walk(sealed, change):
    rewrite(op.get_bind(), sealed, change(keyring(), sealed), BATCH, lambda walked: None)
