"""Learners' pages (enrolment, lessons done, "My learning", certificates) and the trainers'
assignment and reports."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.accounts.decorators import permission_required
from portal.content import registry
from portal.content.csvfile import csv_response
from portal.content.forms import EmptyForm
from portal.courses import attempts, certificate_pdf, learning, quizzes, services, stats
from portal.courses.learning import learner_rows
from portal.courses.models import Attempt, Certificate, Course
from portal.courses.questions import from_json, question_type
from portal.courses.quiz_forms import AssignForm, RevokeForm
from portal.courses.quiz_views import quiz_of
from portal.courses.views import bp as courses_bp
from portal.courses.views import lesson_of, visible_course
from portal.extensions import db

bp = Blueprint("learning", __name__)

STATUS_LABELS = {
    "not_started": _l("Not started"), "in_progress": _l("In progress"),
    "overdue": _l("Overdue"), "completed": _l("Completed"),
}


# --- learners --------------------------------------------------------------------------------

@courses_bp.route("/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str) -> ResponseReturnValue:
    course = visible_course(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not course.is_live:
        abort(403)
    learning.enrol_self(course, current_user.id)
    db.session.commit()
    flash(_("You are enrolled. The course is in My learning."), "success")
    return redirect(url_for("courses.detail", slug=slug))


@courses_bp.route("/<slug>/lessons/<id:lesson_id>/done", methods=["POST"])
@login_required
def lesson_done(slug: str, lesson_id: int) -> ResponseReturnValue:
    """Mark the lesson read (enrolling the learner when needed) and go to the next step."""
    course = visible_course(slug)
    lesson = lesson_of(course, lesson_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not course.is_live:
        abort(403)
    enrolment = learning.enrol_self(course, current_user.id)
    learning.mark_done(lesson, current_user.id)
    certificate = learning.check_completion(enrolment)
    db.session.commit()
    if certificate is not None:
        flash(_("Course completed: your certificate is ready."), "success")
        return redirect(url_for("learning.certificate", code=certificate.code))
    items = [item for module in course.modules for item in module.items]
    index = items.index(lesson)
    if index + 1 < len(items):
        following = items[index + 1]
        if following.item_kind == "lesson":
            return redirect(url_for("courses.lesson", slug=slug, lesson_id=following.id))
        return redirect(url_for("courses.quiz", slug=slug, quiz_id=following.id))
    return redirect(url_for("courses.detail", slug=slug))


@bp.route("/my/learning")
@login_required
def my_learning() -> ResponseReturnValue:
    rows = learner_rows(learning.my_enrolments(current_user.id))
    return render_template("courses/my_learning.html", rows=rows,
                           certificates=learning.certificates_of(current_user.id),
                           statuses=STATUS_LABELS,
                           # Each section is a template rendered with autoescaping.
                           sections=[Markup(section(current_user))  # noqa: S704  # nosec B704
                                     for section in registry.learning_sections])


# --- certificates ----------------------------------------------------------------------------

@bp.route("/certificates/<code>")
def certificate(code: str) -> ResponseReturnValue:
    """Public verification: anyone with the code (or the QR code) sees whether it is valid."""
    found = learning.certificate_by_code(code)
    if found is None:
        return render_template("courses/certificate.html", certificate=None, code=code[:40]), 404
    owner = current_user.is_authenticated and current_user.id == found.user_id
    may_revoke = current_user.is_authenticated and current_user.can("certificate.revoke")
    return render_template("courses/certificate.html", certificate=found, code=found.code,
                           owner=owner, may_revoke=may_revoke, form=RevokeForm())


def _pdf_text(found: Certificate) -> certificate_pdf.CertificateText:
    url = url_for("learning.certificate", code=found.code, _external=True)
    return certificate_pdf.CertificateText(
        heading=_("Certificate of completion"), learner_name=found.learner_name,
        course_title=found.course_title,
        hours_line=_("%(hours)s credit hours", hours=format_decimal(found.credit_hours)),
        date_line=_("Issued on %(date)s", date=format_date(found.issued_at, "long")),
        valid_line=(_("Valid until %(date)s", date=format_date(found.expires_at, "long"))
                    if found.expires_at else ""),
        code_line=_("Certificate code: %(code)s", code=found.code),
        verify_line=_("Check it at %(url)s", url=url), verify_url=url,
        language=found.course_language)


@bp.route("/certificates/<code>.pdf")
@login_required
def certificate_pdf_download(code: str) -> ResponseReturnValue:
    found = learning.certificate_by_code(code)
    if found is None or (found.user_id != current_user.id
                         and not current_user.can("course.reports")):
        abort(404)
    return Response(certificate_pdf.render(_pdf_text(found)), mimetype="application/pdf",
                    headers={"Content-Disposition":
                             f'attachment; filename="certificate-{found.code}.pdf"'})


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@permission_required("certificate.revoke")
def revoke(code: str) -> ResponseReturnValue:
    found = learning.certificate_by_code(code)
    if found is None:
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        return render_template("courses/certificate.html", certificate=found, code=found.code,
                               owner=False, may_revoke=True, form=form), 422
    if found.revoked_at is None:
        learning.revoke(found, form.reason.data, current_user.id)
        db.session.commit()
        flash(_("The certificate is revoked."), "success")
    return redirect(url_for("learning.certificate", code=found.code))


# --- trainers: assignment and reports --------------------------------------------------------

def _reported(slug: str) -> Course:
    course = visible_course(slug)
    if not (services.may_manage(course, current_user) or current_user.can("course.reports")):
        abort(403)
    return course


@courses_bp.route("/<slug>/assign", methods=["GET", "POST"])
@permission_required("course.assign")
def assign(slug: str) -> ResponseReturnValue:
    course = visible_course(slug)
    if not course.is_live:
        flash(_("Publish the course before assigning it."), "error")
        return redirect(url_for("courses.detail", slug=slug))
    form = AssignForm()
    people = learning.inspectors()
    form.learners.choices = [(u.id, f"{u.name} ({u.unit.label})" if u.unit else u.name)
                             for u in people]
    form.unit.choices = [(0, _("— none —"))] + [(u.id, u.label) for u in learning.units()]
    if form.validate_on_submit():
        chosen = list(form.learners.data or [])
        if form.unit.data:
            chosen += [u.id for u in learning.inspectors(form.unit.data)]
        changed = learning.assign(course, chosen, form.due_on.data, current_user.id)
        db.session.commit()
        flash(_("Assigned to %(n)s inspectors.", n=changed), "success")
        return redirect(url_for("courses.report", slug=slug))
    return render_template("courses/assign.html", course=course, form=form,
                           enrolled=learning.enrolments_for(course, people)), \
        422 if form.errors else 200


@courses_bp.route("/<slug>/report")
def report(slug: str) -> ResponseReturnValue:
    course = _reported(slug)
    rows = learner_rows(learning.learners(course))
    unit = request.args.get("unit", "")
    status = request.args.get("status", "")
    if unit.isdecimal():
        rows = [r for r in rows if r.user.unit_id == int(unit)]
    if status in STATUS_LABELS:
        rows = [r for r in rows if r.status == status]
    if request.args.get("format") == "csv":
        return csv_response(f"{course.slug}-learners.csv", [
            _("Name"), _("Email"), _("Unit"), _("Progress (%)"), _("Best score (%)"),
            _("Status"), _("Due date"), _("Completed")], [
            [r.user.name, r.user.email, r.user.unit.label if r.user.unit else "",
             r.progress.percent, round(r.best * 100, 1) if r.best is not None else "",
             str(STATUS_LABELS[r.status]), r.enrolment.due_on or "",
             r.enrolment.completed_at.date() if r.enrolment.completed_at else ""]
            for r in rows])
    return render_template("courses/report.html", course=course, rows=rows,
                           units=learning.units(), unit=unit, status=status,
                           statuses=STATUS_LABELS,
                           quizzes=learning.quizzes(course))


def _choice_labels(entry: dict[str, object], raw: object) -> list[str]:
    """What the learner answered, in words, for "how often each choice was picked"."""
    data = from_json(entry["data"])  # type: ignore[arg-type]
    return question_type(data.kind).describe(data, raw)


@courses_bp.route("/<slug>/quizzes/<id:quiz_id>/report")
def quiz_report(slug: str, quiz_id: int) -> ResponseReturnValue:
    course = _reported(slug)
    quiz = quiz_of(course, quiz_id)
    finished = [a for a in db.session.scalars(
        db.select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False))
        .order_by(Attempt.id)) if not a.is_open]
    results = [stats.AttemptResult(
        score=a.score or 0.0,
        marks={int(k): v for k, v in (a.marks or {}).items()},
        picks={entry["id"]: _choice_labels(entry, a.answers.get(str(entry["id"])))
               for entry in a.layout}) for a in finished]
    texts = {entry["id"]: from_json(entry["data"]) for a in finished for entry in a.layout}
    per_question = stats.question_stats(results)
    distribution = stats.distribution([r.score for r in results])
    return render_template(
        "courses/quiz_report.html", course=course, quiz=quiz, attempts=finished,
        questions=per_question, texts=texts, flags=stats.flags,
        distribution=distribution, bars=stats.bars(distribution),
        question_count=quizzes.question_count(quiz),
        grade=lambda a: attempts.passed(quiz, a.score))
