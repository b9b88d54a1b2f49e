"""The international cooperation register: partners, records (conventions, agreements, joint
trainings, exchanges, conferences) with their documents, by country, on a timeline, exported as
CSV, JSON and Atom, and reminders to editors before an agreement ends."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from portal.content import attachments, registry


def _may_see_documents(record_id: int, user: Any) -> bool:
    from portal.cooperation import services
    from portal.cooperation.models import CooperationRecord
    from portal.extensions import db

    record = db.session.get(CooperationRecord, record_id)
    return record is not None and services.can_view(record, user)


def _sitemap_urls() -> list[str]:
    from portal.cooperation.views import sitemap_urls

    return list(sitemap_urls())


def _linked_section(item_type: str, item_id: int) -> str:
    from portal.cooperation.views import linked_section

    return linked_section(item_type, item_id)


attachments.register_owner("cooperation", _may_see_documents)
registry.sitemap_sources.append(_sitemap_urls)
registry.related_sections.append(_linked_section)

cli = AppGroup("cooperation", help="The international cooperation register.")


@cli.command("remind")
def remind_command() -> None:
    """Queue the editors' reminders of every running record (safe to repeat)."""
    from portal.cooperation import services
    from portal.extensions import db

    queued = services.remind_all()
    db.session.commit()
    click.echo(f"{queued} reminders queued")


def init_app(app: Flask) -> None:
    from portal.cooperation import manage_views, views

    assert manage_views.bp is views.bp  # editors' pages are routes of the same blueprint
    app.register_blueprint(views.bp)
    app.cli.add_command(cli)

# Registers the content type's documents with the search index.
from portal.cooperation import searching  # noqa: E402, F401
