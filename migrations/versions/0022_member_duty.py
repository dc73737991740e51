"""member duty: a member on or off duty (在岗 / 休息), off until a time or until told otherwise, and who changed it
last; existing members are on duty

Revision ID: 0022_member_duty
Revises: 0021_plans
Create Date: 2026-12-07 08:48:57.452381

"""

from alembic import op
import sqlalchemy as sa

from dispatch.models.table_copies import foreign_keys_off_on_sqlite


# revision identifiers, used by Alembic.
revision = "0022_member_duty"
down_revision = "0021_plans"
branch_labels = None
depends_on = None


def upgrade():
    with foreign_keys_off_on_sqlite(op.get_bind()), op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_duty", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("off_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duty_changed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("duty_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_members_duty_changed_by", "users", ["duty_changed_by"], ["id"])


def downgrade():
    with foreign_keys_off_on_sqlite(op.get_bind()), op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint("fk_members_duty_changed_by", type_="foreignkey")
        batch_op.drop_column("duty_changed_at")
        batch_op.drop_column("duty_changed_by")
        batch_op.drop_column("off_until")
        batch_op.drop_column("on_duty")
