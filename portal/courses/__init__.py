"""Advanced-training courses: question types and grading, question banks, GIFT import/export.

Course pages, quizzes, attempts and certificates are still to come (issue 3).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.courses import cli, models  # noqa: F401 - the models join the metadata

    app.cli.add_command(cli.courses_cli)
