"""need place name: where a need is, as a local person says it, stored when the need is posted; the landmarks
and roads it is named by

Revision ID: 0012_need_place_name
Revises: 0011_liveness
Create Date: 2026-12-06 11:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from geo.nearby import area_name


# revision identifiers, used by Alembic.
revision = '0012_need_place_name'
down_revision = '0011_liveness'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('landmarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('landmark', 'road', name='landmarkkind', native_enum=False, length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('line', sa.JSON(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('county_id', 'kind', 'name_zh', name='uq_landmarks_county_kind_name')
    )
    with op.batch_alter_table('landmarks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_landmarks_county_id'), ['county_id'], unique=False)

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('place_name_en', sa.String(length=200), nullable=False, server_default=''))
    # Needs posted before this: the address given is their place name; one placed on the map is named by its
    # community and grid cell (there were no landmarks yet to say what it is near).
    op.execute("UPDATE needs SET place_name = address")
    bind = op.get_bind()
    unnamed = bind.execute(sa.text(
        "SELECT needs.id, communities.name_zh, grid_cells.name FROM needs"
        " JOIN grid_cells ON grid_cells.id = needs.cell_id JOIN communities ON communities.id = grid_cells.community_id"
        " WHERE needs.address = ''"
    )).all()
    if unnamed:
        bind.execute(
            sa.text("UPDATE needs SET place_name = :name WHERE id = :id"),
            [{"id": need_id, "name": area_name(community, cell)[:200]} for need_id, community, cell in unnamed],
        )


def downgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_column('place_name_en')
        batch_op.drop_column('place_name')
    with op.batch_alter_table('landmarks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_landmarks_county_id'))
    op.drop_table('landmarks')
