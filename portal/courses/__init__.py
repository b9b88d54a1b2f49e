"""Advanced-training courses: catalogue, course pages, question banks with GIFT import/export,
question types and grading. Modules, lessons, quizzes and certificates are still to come."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.courses import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.courses_cli)
