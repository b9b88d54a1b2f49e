"""Home page, health check and the sitemap."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from portal.content import registry
from portal.content.topics import all_topics
from portal.extensions import db
from portal.i18n import current_language

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> ResponseReturnValue:
    from portal.courses.services import listing
    from portal.materials.services import latest_for
    from portal.webinars import services as webinar_services
    from portal.webinars.views import zone

    guides = latest_for(limit=6, prefer_language=current_language())
    courses = db.session.scalars(listing(current_user).limit(3)).all()
    webinars = db.session.scalars(webinar_services.upcoming(current_user).limit(3)).all()
    return render_template("index.html", guides=guides, topics=all_topics(), courses=courses,
                           webinars=webinars, zone=zone())


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.route("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    urls = [url for source in registry.sitemap_sources for url in source()]
    xml = render_template("sitemap.xml", urls=urls)
    return Response(xml, mimetype="application/xml")
