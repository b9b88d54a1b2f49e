"""``flask users ...`` commands."""

from __future__ import annotations

import secrets

import click
from flask.cli import AppGroup

from portal.accounts import services
from portal.accounts.permissions import Role
from portal.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]),
              help="Role to grant; repeat for several. Default: citizen.")
@click.option("--name", default="", help="Full name (default: the part of the email before @).")
@click.option("--password", default=None,
              help="Password; by default a random one is generated and printed.")
@click.option("--language", type=click.Choice(["uz", "ru", "en"]), default="uz")
@click.option("--unit", default=None, help='Unit as "Region/District", created when missing.')
def create(email: str, roles: tuple[str, ...], name: str, password: str | None,
           language: str, unit: str | None) -> None:
    """Create a user with the given roles."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    unit_row = None
    if unit:
        region, _, district = unit.partition("/")
        if not district:
            raise click.BadParameter('use "Region/District"', param_hint="--unit")
        unit_row = services.get_or_create_unit(region.strip(), district.strip())
    try:
        user = services.create_user(email, name or email.split("@")[0], password,
                                    roles=set(roles) or {Role.citizen}, language=language,
                                    unit=unit_row)
    except services.AccountError as exc:
        raise click.ClickException(f"cannot create {email}: {exc}") from exc
    db.session.commit()
    click.echo(f"created {user.email} with roles {', '.join(sorted(user.roles))}")
    if generated:
        click.echo(f"password: {password}")


@users_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Turn off two-factor login of a user who lost both the phone and the recovery codes."""
    from portal.accounts import two_factor

    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    if not user.has_two_factor:
        raise click.ClickException(f"{email} has no two-factor login")
    two_factor.disable(user, None)  # ends their sessions too
    db.session.commit()
    click.echo(f"two-factor login of {user.email} is off; they can set it up again")
