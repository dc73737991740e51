"""``flask personal-data rotate``: after a new key is added to ``PERSONAL_DATA_KEYS``, seal everything under it."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from dispatch.personal_data.keys import keyring
from dispatch.personal_data.rotation import rotate

personal_data = AppGroup("personal-data", help="Personal data sealed at rest (phones): rotate its keys.")


@personal_data.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1))
@click.option("--rehash", is_flag=True, help="Every value, and its lookup hash again (after PERSONAL_DATA_HASH_KEY changed).")
def rotate_command(batch_size: int, rehash: bool) -> None:
    """Seal again under the newest key (the highest id) every value an older key sealed; safe to stop and rerun."""
    ring = keyring()
    click.echo(f"sealing under key {ring.current}")
    changed = rotate(ring, batch_size, lambda name, walked, total: click.echo(f"{name}: {walked}/{total}"), rehash)
    click.echo(f"done: {sum(changed.values())} values sealed again")
