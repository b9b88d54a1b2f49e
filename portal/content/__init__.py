"""The content machinery of every content type: workflow, revisions, audit, topics, attachments."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.content import registry, views

    app.register_blueprint(views.bp)
    app.jinja_env.globals["related_sections"] = registry.render_related
