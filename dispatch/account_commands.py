"""``flask reset-two-factor USERNAME``: the operator's help for someone who lost the phone with their
authenticator app (they set it up again at their next login)."""

from __future__ import annotations

import getpass

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import User
from dispatch.services import audit
from dispatch.services.identity import two_factor


def operator() -> str:
    """Who ran the command, as the audit names them."""
    return f"cli:{getpass.getuser()}"[:60]


@click.command("reset-two-factor")
@click.argument("username")
@with_appcontext
def reset_two_factor_command(username: str) -> None:
    """Forget USERNAME's second factor and recovery codes; they enrol again at their next login."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    two_factor.reset(user)
    audit.record("two_factor.reset", object_type="user", object_id=user.id, actor_name=operator(), county_id=user.county_id)
    click.echo(f"{username}: second factor reset; they set it up again at their next login")
