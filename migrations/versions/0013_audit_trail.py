"""audit trail: append-only security records sealed into a chain, its head and archive anchors; the record of
wrong passwords the lockout reads

Revision ID: 0013_audit_trail
Revises: 0012_need_place_name
Create Date: 2026-12-06 15:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from dispatch.models.audit import install_guards, remove_guards, start_head


# revision identifiers, used by Alembic.
revision = '0013_audit_trail'
down_revision = '0012_need_place_name'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_records',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=60), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=80), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('previous', sa.String(length=64), nullable=False),
    sa.Column('seal', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_records_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_records_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_records_actor', ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_records_county_id'), ['county_id'], unique=False)
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_seal', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('audit_anchors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('through_id', sa.Integer(), nullable=False),
    sa.Column('through_seal', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login_name', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_login_name'), ['login_name'], unique=False)
    install_guards(op.get_bind())
    start_head(op.get_bind())


def downgrade():
    remove_guards(op.get_bind())
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_login_name'))
    op.drop_table('login_failures')
    op.drop_table('audit_anchors')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_records_county_id'))
        batch_op.drop_index('ix_audit_records_actor')
        batch_op.drop_index('ix_audit_records_action_at')
        batch_op.drop_index(batch_op.f('ix_audit_records_at'))
    op.drop_table('audit_records')
