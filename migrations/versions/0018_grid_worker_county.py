"""grid worker county: a grid worker's account names the county of their cells, so the county's administrators see
its audit records and can lift its lock (their scope stays their cells)

Revision ID: 0018_grid_worker_county
Revises: 0017_member_forgotten
Create Date: 2026-12-06 16:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018_grid_worker_county'
down_revision = '0017_member_forgotten'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE users SET county_id = ("
        " SELECT subdistricts.county_id FROM user_cells"
        " JOIN grid_cells ON grid_cells.id = user_cells.cell_id"
        " JOIN communities ON communities.id = grid_cells.community_id"
        " JOIN subdistricts ON subdistricts.id = communities.subdistrict_id"
        " WHERE user_cells.user_id = users.id ORDER BY user_cells.cell_id LIMIT 1"
        ") WHERE role = 'grid_worker' AND county_id IS NULL"
    )


def downgrade():
    op.execute("UPDATE users SET county_id = NULL WHERE role = 'grid_worker'")
