"""``flask audit verify`` and ``flask audit archive``: the operator's checks on the security audit trail."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from dispatch.models.audit import RETENTION_DAYS
from dispatch.services.audit import verify
from dispatch.services.audit.archive import ArchiveRefused, archive, verify_file

audit = AppGroup("audit", help="The security audit trail: verify its chain, archive old records.")


@audit.command("verify")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(files: tuple[Path, ...]) -> None:
    """Check the chain in the database (and any archive FILES); exit 1 naming the first broken record."""
    broken = False
    for path in files:
        problem = verify_file(path)
        click.echo(f"{path}: {problem or 'chain holds'}")
        broken = broken or problem is not None
    found = verify()
    click.echo(f"database: {found.describe() if found else 'chain holds'}")
    if broken or found:
        raise SystemExit(1)


@audit.command("archive")
@click.option("--older-than-days", default=RETENTION_DAYS, show_default=True, type=int)
def archive_command(older_than_days: int) -> None:
    """Move records older than the given age (at least the retention period) to a file in AUDIT_ARCHIVE_DIR."""
    try:
        path = archive(older_than_days)
    except ArchiveRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"archived to {path}" if path else "nothing old enough to archive")
