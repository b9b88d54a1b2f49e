"""``flask courses ...`` commands."""

from __future__ import annotations

from datetime import timedelta
from typing import TextIO

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from portal import mail
from portal.courses import gift, learning, services
from portal.courses.models import Course, Enrolment
from portal.extensions import db

courses_cli = AppGroup("courses", help="Courses and question banks.")


def _course(slug: str) -> Course:
    course = services.by_slug(slug)
    if course is None:
        raise click.ClickException(f"no course with the slug {slug!r}")
    return course


@courses_cli.command("import-gift")
@click.argument("course_slug")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_gift(course_slug: str, file: TextIO) -> None:
    """Add the questions of a GIFT FILE to the course's question bank (all or none)."""
    course = _course(course_slug)
    try:
        rows = services.import_gift(course, file.read(), actor_id=None)
    except gift.GiftError as exc:
        db.session.rollback()
        for line, message in exc.problems:
            click.echo(f"{file.name}:{line}: {message}", err=True)
        raise click.ClickException(
            f"nothing imported: {len(exc.problems)} problem(s) in {file.name}") from exc
    db.session.commit()
    click.echo(f"imported {len(rows)} questions into {course.slug}")


@courses_cli.command("export-gift")
@click.argument("course_slug")
def export_gift(course_slug: str) -> None:
    """Print the course's question bank as GIFT."""
    click.echo(services.export_gift(_course(course_slug)), nl=False)


@courses_cli.command("renew-certificates")
def renew_certificates() -> None:
    """Re-enrol learners whose certificate expires within CERTIFICATE_RENEWAL_DAYS.

    Run it daily (cron or a systemd timer); `make run` runs it once at start.
    """
    days = current_app.config["CERTIFICATE_RENEWAL_DAYS"]
    renewed = learning.renew_expiring(timedelta(days=days))
    for enrolment in renewed:
        _tell_renewal(enrolment)
    db.session.commit()
    click.echo(f"re-enrolled {len(renewed)} learner{'' if len(renewed) == 1 else 's'} "
               f"whose certificate expires within {days} days")


def _tell_renewal(enrolment: Enrolment) -> None:
    """Mail the learner (in their language) that they are enrolled again, in the same
    transaction as the renewal."""
    user = enrolment.user
    link = mail.link("learning.my_learning")
    with force_locale(user.language):
        mail.queue(user.email, _("Renew your certificate: %(title)s", title=enrolment.course.title),
                   _("Hello %(name)s,\n\nYour certificate for the course “%(title)s” expires "
                     "soon, so you are enrolled in the course again. Complete it by %(date)s to "
                     "renew the certificate.\n\nMy learning: %(link)s\n",
                     name=user.name, title=enrolment.course.title,
                     date=format_date(enrolment.due_on, "long") if enrolment.due_on else "-",
                     link=link))
