"""member forgotten: a member who leaves, or asks to be forgotten, keeps a row without name or phone, so their
certificates, training and work still count

Revision ID: 0017_member_forgotten
Revises: 0016_personal_data_encrypted
Create Date: 2026-12-06 16:05:00.000000

"""

from alembic import op
import sqlalchemy as sa

from dispatch.models.table_copies import foreign_keys_off_on_sqlite


# revision identifiers, used by Alembic.
revision = "0017_member_forgotten"
down_revision = "0016_personal_data_encrypted"
branch_labels = None
depends_on = None


def upgrade():
    with foreign_keys_off_on_sqlite(op.get_bind()), op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("phone", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("phone_hash", existing_type=sa.String(length=64), nullable=True)


def downgrade():
    # A forgotten member has no phone to give back: those rows go (their certificates and attendance with them).
    op.execute("DELETE FROM members WHERE phone IS NULL")
    with foreign_keys_off_on_sqlite(op.get_bind()), op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("phone_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("phone", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("forgotten_at")
