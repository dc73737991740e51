"""duty groups: a subdistrict's or county's DingTalk or WeCom group robot (credentials sealed at rest), and the
notices each group is owed, written with the events they tell of

Revision ID: 0019_duty_groups
Revises: 0018_grid_worker_county
Create Date: 2026-12-06 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_duty_groups'
down_revision = '0018_grid_worker_county'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duty_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('subdistrict_id', sa.Integer(), nullable=True),
    sa.Column('platform', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('token_hint', sa.String(length=12), nullable=False),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('mention_phones', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['subdistrict_id'], ['subdistricts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('duty_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_groups_county_id'), ['county_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_groups_subdistrict_id'), ['subdistrict_id'], unique=False)
    op.create_table('group_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_group_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('composed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['duty_group_id'], ['duty_groups.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('duty_group_id', 'key', name='uq_group_notices_group_key')
    )
    with op.batch_alter_table('group_notices', schema=None) as batch_op:
        batch_op.create_index('ix_group_notices_group_status', ['duty_group_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('group_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_group_notices_group_status')
    op.drop_table('group_notices')
    with op.batch_alter_table('duty_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_groups_subdistrict_id'))
        batch_op.drop_index(batch_op.f('ix_duty_groups_county_id'))
    op.drop_table('duty_groups')
