"""Course catalogue and pages, and the trainers' question bank."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.accounts.decorators import permission_required
from portal.content import formkeys, workflow
from portal.content.actions import apply_move, editable_or_403
from portal.content.forms import EmptyForm, WorkflowForm
from portal.content.markdown import render
from portal.courses import gift, services
from portal.courses.forms import CourseForm, GiftImportForm, LessonForm, ModuleForm
from portal.courses.models import COURSE_AUDIENCE_LABELS, Course, Lesson, Module
from portal.extensions import db
from portal.i18n import current_language
from portal.web import paginate

bp = Blueprint("courses", __name__, url_prefix="/courses")

KIND_LABELS = {
    "single": _l("Single choice"), "multiple": _l("Multiple choice"),
    "truefalse": _l("True / false"), "short": _l("Short answer"),
    "numerical": _l("Numerical"), "matching": _l("Matching"),
}

#: A question bank file larger than this is refused before parsing.
GIFT_MAX_BYTES = 2 * 1024 * 1024


def _get_visible(slug: str) -> Course:
    course = services.by_slug(slug)
    if course is None or not services.can_view(course, current_user):
        abort(404)
    return course


def _get_managed(slug: str) -> Course:
    course = _get_visible(slug)
    if not services.may_manage(course, current_user):
        abort(403)
    return course


@bp.route("/")
def index() -> ResponseReturnValue:
    page = paginate(services.listing(current_user), current_app.config["MATERIALS_PER_PAGE"])
    return render_template("courses/index.html", page=page,
                           may_create=current_user.can("course.create"))


@bp.route("/new", methods=["GET", "POST"])
@permission_required("course.create")
def create() -> ResponseReturnValue:
    form = CourseForm()
    if not form.is_submitted():
        form.form_key.data = formkeys.new_key()
        form.language.data = current_language()
    if form.validate_on_submit():
        earlier = formkeys.already_created(Course, form.form_key.data)
        if earlier is None:
            try:
                earlier = services.create_course(form.to_input(), current_user.id,
                                                 form_key=form.form_key.data or None)
                db.session.commit()
            except IntegrityError:  # the same form committed by a parallel click
                db.session.rollback()
                earlier = formkeys.already_created(Course, form.form_key.data)
                if earlier is None:
                    raise
            flash(_("Draft saved."), "success")
        return redirect(url_for(".detail", slug=earlier.slug))
    return render_template("courses/edit.html", form=form), 422 if form.errors else 200


@bp.route("/<slug>")
def detail(slug: str) -> ResponseReturnValue:
    return _detail_page(_get_visible(slug))


def _detail_page(course: Course, module_form: ModuleForm | None = None) -> str:
    return render_template(
        "courses/detail.html", course=course, html=render(course.description).html,
        audiences=COURSE_AUDIENCE_LABELS, states=workflow.STATE_LABELS,
        moves=workflow.available_moves(course, current_user),
        may_manage=services.may_manage(course, current_user),
        can_edit=workflow.can_edit(course, current_user), workflow_form=WorkflowForm(),
        module_form=module_form or ModuleForm(), empty_form=EmptyForm())


@bp.route("/<slug>/workflow", methods=["POST"])
def move(slug: str) -> ResponseReturnValue:
    return apply_move(_get_visible(slug), url_for(".detail", slug=slug))


@bp.route("/<slug>/questions", methods=["GET", "POST"])
def bank(slug: str) -> ResponseReturnValue:
    course = _get_managed(slug)
    form = GiftImportForm()
    problems: list[tuple[int, str]] = []
    if form.validate_on_submit():
        raw = form.file.data.read(GIFT_MAX_BYTES + 1)
        if len(raw) > GIFT_MAX_BYTES:
            form.file.errors.append(_("The file is larger than %(mb)s MB.", mb=2))
            return _bank_page(course, form, problems), 413
        try:
            rows = services.import_gift(course, raw.decode("utf-8-sig"), current_user.id)
        except UnicodeDecodeError:
            form.file.errors.append(_("The file is not UTF-8 text."))
        except gift.GiftError as exc:
            db.session.rollback()
            problems = exc.problems
            form.file.errors.append(_("Nothing was imported: the file has %(n)s problem(s).",
                                      n=len(problems)))
        else:
            if not rows:
                db.session.rollback()
                form.file.errors.append(_("The file holds no questions."))
                return _bank_page(course, form, problems), 422
            db.session.commit()
            flash(_("%(n)s questions imported.", n=len(rows)), "success")
            return redirect(url_for(".bank", slug=slug))
    return _bank_page(course, form, problems), 422 if form.errors else 200


def _bank_page(course: Course, form: GiftImportForm,
               problems: list[tuple[int, str]]) -> str:
    return render_template("courses/bank.html", course=course, form=form, problems=problems,
                           questions=services.bank(course), kinds=KIND_LABELS)


@bp.route("/<slug>/questions.gift")
def export(slug: str) -> ResponseReturnValue:
    course = _get_managed(slug)
    return Response(services.export_gift(course), mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{course.slug}.gift"'})


def _editable(slug: str) -> Course:
    """The course if the user may change its content now (draft, or published for publishers)."""
    return editable_or_403(_get_visible(slug))


def _module_of(course: Course, module_id: int) -> Module:
    module = next((m for m in course.modules if m.id == module_id), None)
    if module is None:  # another course's module: as if it did not exist
        abort(404)
    return module


def _lesson_of(course: Course, lesson_id: int) -> Lesson:
    lesson = next((le for le in services.lesson_sequence(course) if le.id == lesson_id), None)
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/<slug>/modules", methods=["POST"])
def add_module(slug: str) -> ResponseReturnValue:
    course = _editable(slug)
    form = ModuleForm()
    if form.validate_on_submit():
        services.add_module(course, form.title.data, current_user.id)
        db.session.commit()
        flash(_("Module added."), "success")
        return redirect(url_for(".detail", slug=slug, _anchor="page-modules"))
    return _detail_page(course, module_form=form), 422


@bp.route("/<slug>/modules/<id:module_id>/move", methods=["POST"])
def move_module(slug: str, module_id: int) -> ResponseReturnValue:
    course = _editable(slug)
    module = _module_of(course, module_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.move(module, list(course.modules), request.form.get("direction", ""))
    db.session.commit()
    return redirect(url_for(".detail", slug=slug, _anchor="page-modules"))


@bp.route("/<slug>/modules/<id:module_id>/lessons/new", methods=["GET", "POST"])
def add_lesson(slug: str, module_id: int) -> ResponseReturnValue:
    course = _editable(slug)
    module = _module_of(course, module_id)
    form = LessonForm()
    if form.validate_on_submit():
        lesson = services.add_lesson(module, form.title.data, form.body.data,
                                     form.minutes.data, current_user.id)
        db.session.commit()
        flash(_("Lesson saved."), "success")
        return redirect(url_for(".lesson", slug=slug, lesson_id=lesson.id))
    return render_template("courses/lesson_edit.html", course=course, module=module,
                           form=form, lesson=None), 422 if form.errors else 200


@bp.route("/<slug>/lessons/<id:lesson_id>")
def lesson(slug: str, lesson_id: int) -> ResponseReturnValue:
    course = _get_visible(slug)
    sequence = services.lesson_sequence(course)
    current = _lesson_of(course, lesson_id)
    index = sequence.index(current)
    return render_template(
        "courses/lesson.html", course=course, lesson=current, html=render(current.body).html,
        previous=sequence[index - 1] if index > 0 else None,
        next=sequence[index + 1] if index + 1 < len(sequence) else None,
        can_edit=workflow.can_edit(course, current_user))


@bp.route("/<slug>/lessons/<id:lesson_id>/edit", methods=["GET", "POST"])
def edit_lesson(slug: str, lesson_id: int) -> ResponseReturnValue:
    course = _editable(slug)
    current = _lesson_of(course, lesson_id)
    form = LessonForm(obj=current)
    if form.validate_on_submit():
        services.update_lesson(current, form.title.data, form.body.data, form.minutes.data,
                               current_user.id)
        db.session.commit()
        flash(_("Lesson saved."), "success")
        return redirect(url_for(".lesson", slug=slug, lesson_id=current.id))
    return render_template("courses/lesson_edit.html", course=course, module=current.module,
                           form=form, lesson=current), 422 if form.errors else 200


@bp.route("/<slug>/lessons/<id:lesson_id>/move", methods=["POST"])
def move_lesson(slug: str, lesson_id: int) -> ResponseReturnValue:
    course = _editable(slug)
    current = _lesson_of(course, lesson_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.move(current, list(current.module.lessons), request.form.get("direction", ""))
    db.session.commit()
    return redirect(url_for(".detail", slug=slug, _anchor="page-modules"))
