"""Webinars: the schedule (list, month calendar, archive), registration with a waiting list,
calendar feeds, reminders through the mail outbox, attendance with credit hours, feedback."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, url_for

from portal.content import attachments, registry


def _sitemap_urls() -> list[str]:
    from portal.webinars import services

    return [url_for("webinars.detail", webinar_id=webinar_id, _external=True)
            for webinar_id, _updated in services.public_ids()] \
        + [url_for("webinars.index", _external=True)]


def _may_see_files(webinar_id: int, user: Any) -> bool:
    from portal.extensions import db
    from portal.webinars import services
    from portal.webinars.models import Webinar

    webinar = db.session.get(Webinar, webinar_id)
    return webinar is not None and services.can_view(webinar, user)


def _learning_section(user: Any) -> str:
    """The webinars a user attended, with their credit hours, for "My learning"."""
    from portal.webinars import services

    attended = services.attended_by(user.id)
    return render_template("webinars/_my_learning.html", attended=attended,
                           total=services.credit_hours_total(attended))


registry.sitemap_sources.append(_sitemap_urls)
registry.learning_sections.append(_learning_section)
attachments.register_owner("webinar", _may_see_files)


def init_app(app: Flask) -> None:
    from portal.webinars import manage_views, views

    assert manage_views.bp is views.bp  # organisers' pages are routes of the same blueprint
    app.register_blueprint(views.bp)

# Registers the content type's documents with the search index.
from portal.webinars import searching  # noqa: E402, F401
