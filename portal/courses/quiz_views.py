"""Quiz pages: authoring (settings, questions), taking (attempts with autosave) and review."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import nh3
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.content import workflow
from portal.content.forms import EmptyForm
from portal.content.markdown import render
from portal.courses import attempts, learning, quizzes, services
from portal.courses.models import Attempt, Course, Quiz
from portal.courses.questions import InvalidResponse, from_json, question_type
from portal.courses.quiz_forms import GRADING_LABELS, QuizForm, QuizQuestionsForm
from portal.courses.views import bp, editable_course, module_of, visible_course
from portal.database import utcnow
from portal.extensions import db
from portal.web import MAX_ID


def refusal(reason: str) -> str:
    """What the learner is told when an attempt cannot start or go on."""
    messages = {
        "not_open_yet": _("This quiz is not open yet."),
        "closed": _("This quiz is closed."),
        "no_attempts_left": _("You have used all your attempts at this quiz."),
        "no_questions": _("This quiz has no questions yet."),
        "finished": _("This attempt is finished."),
    }
    return messages[reason]


@bp.app_template_filter("question_text")
def question_text(text: str, text_format: str = "markdown") -> Markup:
    """A question's or feedback's text as safe HTML, whatever format it was written in."""
    if text_format == "html":
        # nh3 keeps only its safe default tags and URL schemes (no script, no javascript:).
        return Markup(nh3.clean(text))  # noqa: S704  # nosec B704
    if text_format == "plain":
        return Markup("<p>") + escape(text) + Markup("</p>")
    return render(text).html


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["QUIZ_GRACE_SECONDS"])


def quiz_of(course: Course, quiz_id: int) -> Quiz:
    quiz = next((q for q in learning.quizzes(course) if q.id == quiz_id), None)
    if quiz is None:
        abort(404)
    return quiz


def _own_attempt(course: Course, attempt_id: int) -> Attempt:
    """The current user's attempt at a quiz of this course; anyone else's is "not found"."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id \
            or attempt.quiz not in learning.quizzes(course):
        abort(404)
    return attempt


# --- authoring -------------------------------------------------------------------------------

@bp.route("/<slug>/modules/<id:module_id>/quizzes/new", methods=["GET", "POST"])
def add_quiz(slug: str, module_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    module = module_of(course, module_id)
    form = QuizForm()
    if form.validate_on_submit():
        quiz = quizzes.create_quiz(module, form.title.data, form.intro.data or "",
                                   form.settings(), current_user.id)
        if form.everywhere.data:
            quizzes.update_quiz(quiz, quiz.title, quiz.intro, form.settings(), current_user.id,
                                everywhere=True)
        db.session.commit()
        flash(_("Quiz saved. Now choose its questions."), "success")
        return redirect(url_for(".quiz_questions", slug=slug, quiz_id=quiz.id))
    return render_template("courses/quiz_edit.html", course=course, module=module, form=form,
                           quiz=None), 422 if form.errors else 200


@bp.route("/<slug>/quizzes/<id:quiz_id>/edit", methods=["GET", "POST"])
def edit_quiz(slug: str, quiz_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    quiz = quiz_of(course, quiz_id)
    form = QuizForm(obj=quiz)
    if not form.is_submitted():
        form.fill(quizzes.QuizSettings.of(quiz))
    if form.validate_on_submit():
        others = quizzes.update_quiz(quiz, form.title.data, form.intro.data or "",
                                     form.settings(), current_user.id,
                                     everywhere=bool(form.everywhere.data))
        db.session.commit()
        flash(_("Quiz saved.") if not others else
              _("Quiz saved; its settings now apply to %(n)s other quizzes too.", n=others),
              "success")
        return redirect(url_for(".quiz", slug=slug, quiz_id=quiz.id))
    return render_template("courses/quiz_edit.html", course=course, module=quiz.module,
                           form=form, quiz=quiz), 422 if form.errors else 200


def _random_counts(course: Course) -> tuple[dict[int, int], dict[int, str]]:
    """The ``random-<category id>`` numbers posted, and an error per category that is wrong."""
    counts: dict[int, int] = {}
    errors: dict[int, str] = {}
    for category, questions in quizzes.categories(course):
        if category is None:
            continue
        raw = request.form.get(f"random-{category.id}", "").strip() or "0"
        if not raw.isdecimal() or int(raw) > len(questions):
            errors[category.id] = _("Give a number from 0 to %(n)s.", n=len(questions))
        else:
            counts[category.id] = int(raw)
    return counts, errors


@bp.route("/<slug>/quizzes/<id:quiz_id>/questions", methods=["GET", "POST"])
def quiz_questions(slug: str, quiz_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    quiz = quiz_of(course, quiz_id)
    form = QuizQuestionsForm()
    bank = quizzes.categories(course)
    form.fixed.choices = [(q.id, q.name or q.content.text[:80]) for _, qs in bank for q in qs]
    errors: dict[int, str] = {}
    if form.validate_on_submit():
        counts, errors = _random_counts(course)
        if not errors:
            quizzes.set_questions(quiz, course, list(form.fixed.data or []), counts)
            db.session.commit()
            flash(_("The quiz now has %(n)s questions per attempt.",
                    n=quizzes.question_count(quiz)), "success")
            return redirect(url_for(".quiz", slug=slug, quiz_id=quiz.id))
    fixed = {s.question_id for s in quiz.slots if s.question_id}
    randoms: dict[int | None, object] = {s.category_id: s.count for s in quiz.slots
                                         if s.category_id}
    if request.method == "POST":
        fixed = set(form.fixed.data or [])
        randoms = {c.id: request.form.get(f"random-{c.id}", "") for c, _ in bank if c}
    return render_template("courses/quiz_questions.html", course=course, quiz=quiz, form=form,
                           bank=bank, fixed=fixed, randoms=randoms, errors=errors), \
        422 if errors or form.errors else 200


@bp.route("/<slug>/quizzes/<id:quiz_id>/move", methods=["POST"])
def move_quiz(slug: str, quiz_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    quiz = quiz_of(course, quiz_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.move(quiz, quiz.module.items, request.form.get("direction", ""))
    db.session.commit()
    return redirect(url_for(".detail", slug=slug, _anchor="page-modules"))


# --- taking ----------------------------------------------------------------------------------

@bp.route("/<slug>/quizzes/<id:quiz_id>")
def quiz(slug: str, quiz_id: int) -> ResponseReturnValue:
    course = visible_course(slug)
    quiz = quiz_of(course, quiz_id)
    now = utcnow()
    mine: list[Attempt] = []
    enrolment = None
    manage = services.may_manage(course, current_user)
    if current_user.is_authenticated:
        enrolment = learning.enrolment_of(course, current_user.id)
        # Managers try quizzes out: their attempts are previews, never counted as learning.
        mine = attempts.attempts_of(quiz, current_user.id, preview=manage)
    since = enrolment.started_at if enrolment else None
    counted = [a for a in mine if since is None or a.started_at >= since]
    grade = attempts.quiz_grade(quiz, counted)
    open_one = next((a for a in mine if a.is_open), None)
    return render_template(
        "courses/quiz.html", course=course, quiz=quiz, attempts=mine, open_attempt=open_one,
        overdue=open_one is not None and attempts.is_overdue(open_one, now, grace()),
        grade=grade, passed=attempts.passed(quiz, grade),
        left=None if manage else attempts.attempts_left(quiz, current_user.id, since=since)
        if current_user.is_authenticated else quiz.max_attempts,
        window=attempts.window_problem(quiz, now), refusal=refusal,
        shows_score=lambda a: attempts.review_allows(quiz, quiz.review_score, a, now),
        question_count=quizzes.question_count(quiz), grading_labels=GRADING_LABELS,
        may_manage=manage,
        can_edit=workflow.can_edit(course, current_user), empty_form=EmptyForm())


@bp.route("/<slug>/quizzes/<id:quiz_id>/start", methods=["POST"])
@login_required
def start_attempt(slug: str, quiz_id: int) -> ResponseReturnValue:
    course = visible_course(slug)
    quiz = quiz_of(course, quiz_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    preview = services.may_manage(course, current_user)
    if not preview and not course.is_live:
        abort(403)
    enrolment = None if preview else learning.enrol_self(course, current_user.id)
    current = attempts.open_attempt(quiz, current_user.id)
    if current is not None and attempts.close_if_overdue(current, grace=grace()):
        db.session.flush()
    try:
        attempt = attempts.start(quiz, current_user.id, preview=preview,
                                 since=enrolment.started_at if enrolment else None,
                                 rng=random.SystemRandom())
        db.session.commit()
    except attempts.AttemptRefused as refused:
        db.session.rollback()
        flash(refusal(refused.reason), "error")
        return redirect(url_for(".quiz", slug=slug, quiz_id=quiz.id))
    except IntegrityError:  # a parallel start won: continue its attempt
        db.session.rollback()
        attempt = attempts.open_attempt(quiz, current_user.id) or abort(409)
    return redirect(url_for(".attempt", slug=slug, attempt_id=attempt.id))


def _pages(attempt: Attempt) -> list[list[dict[str, Any]]]:
    size = max(1, attempt.quiz.questions_per_page)
    return [attempt.layout[i:i + size] for i in range(0, len(attempt.layout), size)] or [[]]


@bp.route("/<slug>/attempts/<id:attempt_id>")
@login_required
def attempt(slug: str, attempt_id: int) -> ResponseReturnValue:
    course = visible_course(slug)
    current = _own_attempt(course, attempt_id)
    if not current.is_open:
        return redirect(url_for(".review", slug=slug, attempt_id=current.id))
    pages = _pages(current)
    page = min(max(request.args.get("page", "1").isdecimal()
                   and int(request.args.get("page", "1")[:4]) or 1, 1), len(pages))
    return render_template(
        "courses/attempt.html", course=course, attempt=current, quiz=current.quiz,
        entries=pages[page - 1], page=page, pages=len(pages),
        overdue=attempts.is_overdue(current, utcnow(), grace()),
        answered={int(k) for k in current.answers}, form=EmptyForm())


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _seq() -> int:
    raw = request.form.get("seq", "")
    if not (raw.isascii() and raw.isdecimal()) or int(raw) > MAX_ID:
        abort(400)
    return int(raw)


@bp.route("/<slug>/attempts/<id:attempt_id>", methods=["POST"])
@login_required
def save_attempt(slug: str, attempt_id: int) -> ResponseReturnValue:
    """Save the posted page of answers (the page's buttons, or the page's script in the
    background), then move to another page or finish."""
    course = visible_course(slug)
    current = _own_attempt(course, attempt_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    seq = _seq()
    review_url = url_for(".review", slug=slug, attempt_id=current.id)
    try:
        _save(current, seq)
    except InvalidResponse:
        abort(400)
    except attempts.StaleSave as stale:
        if _wants_json():
            return jsonify(error="stale", seq=stale.current), 409
        return render_template("courses/attempt_stale.html", course=course, attempt=current), 409
    except attempts.TooLate:
        _finish(course, current, late=True)
        if _wants_json():
            return jsonify(error="too_late", review=review_url), 409
        flash(_("The time was over: answers sent after it were not graded."), "error")
        return redirect(review_url)
    except attempts.AttemptRefused:
        if _wants_json():
            return jsonify(error="finished", review=review_url), 409
        return redirect(review_url)
    if _wants_json():
        return jsonify(seq=current.seq, saved=len(current.answers))
    go = request.form.get("go", "")
    if go == "finish":
        _finish(course, current)
        return redirect(review_url)
    page = go.removeprefix("page-")
    return redirect(url_for(".attempt", slug=slug, attempt_id=current.id,
                            page=page if page.isdecimal() and len(page) < 5 else 1))


def _save(current: Attempt, seq: int, tries: int = 3) -> None:
    """Save the posted answers as save number *seq*, and commit. When a parallel save of the
    same attempt committed first (the page's background save racing its own Finish button),
    the row's version has moved on: the save is decided again against the row as it is now,
    so the newer of the two wins and the older is stale."""
    for left in reversed(range(tries)):
        try:
            attempts.save(current, seq, attempts.read_answers(current, request.form.getlist),
                          grace=grace())
            db.session.commit()
            return
        except StaleDataError:
            db.session.rollback()
            if not left:
                raise


@bp.route("/<slug>/attempts/<id:attempt_id>/finish", methods=["POST"])
@login_required
def finish_attempt(slug: str, attempt_id: int) -> ResponseReturnValue:
    """Finish without sending answers (the time is over, or from the quiz page)."""
    course = visible_course(slug)
    current = _own_attempt(course, attempt_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    _finish(course, current)
    return redirect(url_for(".review", slug=slug, attempt_id=current.id))


def _finish(course: Course, current: Attempt, *, late: bool = False) -> None:
    """Grade and record the attempt, and complete the course when it was the last step.
    A parallel finish of the same attempt makes this one a no-op (the row's version)."""
    try:
        attempts.finish(current, late=late)
        enrolment = None if current.preview else learning.enrolment_of(course, current.user_id)
        if enrolment is not None:
            learning.check_completion(enrolment)
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()


@bp.route("/<slug>/attempts/<id:attempt_id>/review")
@login_required
def review(slug: str, attempt_id: int) -> ResponseReturnValue:
    course = visible_course(slug)
    current = db.session.get(Attempt, attempt_id)
    manager = services.may_manage(course, current_user) or current_user.can("course.reports")
    if current is None or current.quiz not in learning.quizzes(course) or (
            current.user_id != current_user.id and not manager):
        abort(404)
    if current.is_open:
        return redirect(url_for(".attempt", slug=slug, attempt_id=current.id))
    quiz = current.quiz
    now = utcnow()
    show = {part: manager or attempts.review_allows(quiz, getattr(quiz, part), current, now)
            for part in ("review_score", "review_answers", "review_feedback")}
    graded = attempts.grades(current)
    items = []
    for entry in current.layout:
        data = from_json(entry["data"])
        items.append({
            "entry": entry, "grade": graded[entry["id"]], "data": data,
            "right": question_type(data.kind).right_answers(data),
        })
    return render_template("courses/review.html", course=course, quiz=quiz, attempt=current,
                           items=items, show=show, manager=manager,
                           passed=attempts.passed(quiz, current.score))
