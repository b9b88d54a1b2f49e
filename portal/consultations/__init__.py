"""Consultation requests: guided intake by topic, tracking by reference and secret code, the
staff queue with assignment, replies, internal notes and due dates, and the retention purge.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

cli = AppGroup("consultations", help="Consultation requests.")


@cli.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=None, metavar="N",
              help="Anonymise requests closed more than N days ago "
                   "(default: CONSULTATION_RETENTION_DAYS).")
def purge_command(days: int | None) -> None:
    """Anonymise closed requests past the retention period (safe to repeat)."""
    from portal.consultations import privacy
    from portal.extensions import db

    count = privacy.purge(days)
    db.session.commit()
    click.echo(f"{count} request{'' if count == 1 else 's'} anonymised")


@cli.command("defaults")
def defaults_command() -> None:
    """Add the default topics and consent text where missing (safe to repeat)."""
    from portal.consultations.configuration import ensure_defaults
    from portal.extensions import db

    added = ensure_defaults()
    db.session.commit()
    click.echo(f"{added} rows added")


def init_app(app: Flask) -> None:
    from portal.consultations import settings, staff_views, views

    settings.init_app(app)
    assert staff_views.bp is views.bp  # the staff's pages are routes of the same blueprint
    app.register_blueprint(views.bp)
    app.cli.add_command(cli)


# The models, so that the metadata (migrations, create_all) knows the tables.
from portal.consultations import models  # noqa: E402, F401
