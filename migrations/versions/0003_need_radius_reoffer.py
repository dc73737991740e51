"""needs get a search radius; an organization may be offered a need again once its earlier offer has ended

Revision ID: 0003_need_radius_reoffer
Revises: 0002_dispatch
Create Date: 2026-11-27 16:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003_need_radius_reoffer'
down_revision = '0002_dispatch'
branch_labels = None
depends_on = None

LIVE = sa.text("state IN ('accepted', 'en_route', 'offered', 'on_site')")


def upgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('radius_m', sa.Float(), nullable=True))
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_assignments_need_organization', type_='unique')
    op.create_index(
        'uq_assignments_live_need_organization', 'assignments', ['need_id', 'organization_id'], unique=True,
        sqlite_where=LIVE, postgresql_where=LIVE,
    )


def downgrade():
    op.drop_index('uq_assignments_live_need_organization', table_name='assignments')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_assignments_need_organization', ['need_id', 'organization_id'])
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_column('radius_m')
