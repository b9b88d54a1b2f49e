"""Advanced-training courses: catalogue, course pages, modules and lessons, question banks with
GIFT import/export, quizzes with server-decided attempts, enrolment and progress, certificates
and reports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.courses import cli, learning_views, quiz_views, views

    assert quiz_views.bp is views.bp  # quiz pages are routes of the courses blueprint
    app.register_blueprint(views.bp)
    app.register_blueprint(learning_views.bp)
    app.cli.add_command(cli.courses_cli)
