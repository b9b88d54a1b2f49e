"""Advanced-training courses: catalogue, course pages, modules and lessons, question banks with
GIFT import/export, quizzes with server-decided attempts, enrolment and progress, certificates
and reports."""

from __future__ import annotations

from flask import Flask, url_for
from sqlalchemy import select

from portal.content import registry


def _sitemap_urls() -> list[str]:
    """Live courses anyone may open (inspectors-only courses stay out), and the catalogue."""
    from portal.courses.models import Course, CourseAudience
    from portal.extensions import db

    slugs = db.session.scalars(select(Course.slug).where(
        Course.live_clause(), Course.audience == CourseAudience.everyone).order_by(Course.id))
    return [url_for("courses.detail", slug=slug, _external=True) for slug in slugs] \
        + [url_for("courses.index", _external=True)]


registry.sitemap_sources.append(_sitemap_urls)


def init_app(app: Flask) -> None:
    from portal.courses import cli, learning_views, quiz_views, views

    assert quiz_views.bp is views.bp  # quiz pages are routes of the courses blueprint
    app.register_blueprint(views.bp)
    app.register_blueprint(learning_views.bp)
    app.cli.add_command(cli.courses_cli)

# Registers the content type's documents with the search index.
from portal.courses import searching  # noqa: E402, F401
