"""Key rotation: every sealed value sealed again under the newest key, batch by batch, each batch committed."""

from __future__ import annotations

from collections.abc import Callable

from dispatch.extensions import db
from dispatch.personal_data.cipher import Keyring
from dispatch.personal_data.columns import SEALED_COLUMNS, count, resealing, rewrite

Report = Callable[[str, int, int], None]  # column, rows walked, rows in all


def rotate(ring: Keyring, batch_size: int = 500, report: Report | None = None, everything: bool = False) -> dict[str, int]:
    """Seal again under ``ring.current`` what an older key sealed; returns how many values changed per column.

    Each batch is its own transaction, so the app keeps working and a rotation cut short resumes where it stopped
    (values already under the newest key are skipped). ``everything``: every value and its lookup hash, after the
    hash key changed."""
    changed: dict[str, int] = {}
    with db.engine.connect() as connection:
        for sealed in SEALED_COLUMNS:
            total = count(connection, sealed)

            def after_batch(walked: int, name: str = sealed.name, total: int = total) -> None:
                connection.commit()
                if report is not None:
                    report(name, walked, total)

            change = resealing(ring, sealed, everything)
            changed[sealed.name] = rewrite(connection, sealed, change, batch_size, after_batch)
            connection.commit()
    return changed
