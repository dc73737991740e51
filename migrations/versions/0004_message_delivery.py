"""message delivery: outbox sending state, inbound messages, offers seen

Revision ID: 0004_message_delivery
Revises: 0003_need_radius_reoffer
Create Date: 2026-11-27 17:03:18.768533

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_message_delivery'
down_revision = '0003_need_radius_reoffer'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('sender', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sid', name='uq_inbound_messages_sid')
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True))

    # Rows written before this revision are taken as due now, never attempted.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.text('CURRENT_TIMESTAMP')))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('segments', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('provider', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provider_sid', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('delivery', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('error', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index('ix_outbox_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_unique_constraint('uq_outbox_provider_sid', ['provider_sid'])



def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('uq_outbox_provider_sid', type_='unique')
        batch_op.drop_index('ix_outbox_status_due')
        batch_op.drop_index(batch_op.f('ix_outbox_assignment_id'))
        batch_op.drop_column('sent_at')
        batch_op.drop_column('error')
        batch_op.drop_column('delivery')
        batch_op.drop_column('provider_sid')
        batch_op.drop_column('provider')
        batch_op.drop_column('segments')
        batch_op.drop_column('body')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('due_at')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('seen_at')

    op.drop_table('inbound_messages')
