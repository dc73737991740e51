"""published evaluations

Revision ID: 0008_evaluations
Revises: 0007_complaints_risks
Create Date: 2026-11-27 20:36:01.797956

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_evaluations'
down_revision = '0007_complaints_risks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subdistrict_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['subdistrict_id'], ['subdistricts.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subdistrict_id', 'period', name='uq_evaluations_subdistrict_period')
    )
    op.create_table('evaluation_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluation_id', 'organization_id', name='uq_evaluation_rows_organization')
    )
    with op.batch_alter_table('evaluation_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_rows_organization_id'), ['organization_id'], unique=False)



def downgrade():
    with op.batch_alter_table('evaluation_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_rows_organization_id'))

    op.drop_table('evaluation_rows')
    op.drop_table('evaluations')
