"""Course catalogue and pages, and the trainers' authoring: the course's text and cover, its
history, lessons with their files, and the question bank one question at a time."""

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
from portal.content import attachments, formkeys, workflow
from portal.content.actions import (
    add_history_routes,
    apply_move,
    edit_refusal,
    editable_or_403,
    visible_or_404,
)
from portal.content.forms import EmptyForm, WorkflowForm
from portal.content.markdown import render
from portal.courses import gift, learning, services
from portal.courses.forms import (
    CourseEditForm,
    CourseForm,
    CoverForm,
    GiftImportForm,
    LessonFileForm,
    LessonForm,
    ModuleForm,
    NewQuestionForm,
    QuestionForm,
)
from portal.courses.models import COURSE_AUDIENCE_LABELS, Course, Lesson, Module, Question
from portal.courses.questions import QuestionData
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, current_language
from portal.web import paginate

bp = Blueprint("courses", __name__, url_prefix="/courses")

# Downloads of a course's files are checked like the course itself: whoever may see the course
# sees its cover and its lessons' files.
attachments.register_owner(services.COVER, services.may_see_cover)
attachments.register_owner(services.LESSON_FILES, services.may_see_lesson_file)

KIND_LABELS = {
    "single": _l("Single choice"), "multiple": _l("Multiple choice"),
    "truefalse": _l("True / false"), "short": _l("Short answer"),
    "numerical": _l("Numerical"), "matching": _l("Matching"),
}

#: Labels of the course's fields on the history's diff page.
REVISION_LABELS = {
    "title": _l("Title"), "summary": _l("Summary"), "description": _l("Description"),
    "audience": _l("Audience"), "language": _l("Language"), "credit_hours": _l("Credit hours"),
    "certificate_valid_months": _l("Certificates valid for (months)"), "topics": _l("Topics"),
    "expires_at": _l("Expires on"),
}

#: A question bank file larger than this is refused before parsing.
GIFT_MAX_BYTES = 2 * 1024 * 1024


def visible_course(slug: str) -> Course:
    return visible_or_404(services.by_slug(slug), services.can_view)


def managed_course(slug: str) -> Course:
    course = visible_course(slug)
    if not services.may_manage(course, current_user):
        abort(403)
    return course


def editable_course(slug: str) -> Course:
    """The course if the user may change its content now (draft, or published for publishers).

    404 when they may not see it, 403 while it is in review or when they may not manage it.
    """
    course = editable_or_403(visible_course(slug))
    if not services.may_manage(course, current_user):
        abort(403)
    return course


def _previewing(course: Course) -> bool:
    """``?preview=1`` from someone who manages the course: show the page as learners see it."""
    return request.args.get("preview") == "1" and services.may_manage(course, current_user)


def _fill_from(form: CourseForm, course: Course) -> None:
    """Set the fields that do not map one to one onto the course's columns."""
    form.topics.data = [t.slug for t in course.topics]
    form.audience.data = course.audience.value


# Catalogue, course page, creating and translating ------------------------------------------------


@bp.route("/")
def index() -> ResponseReturnValue:
    page = paginate(services.listing(current_user), current_app.config["MATERIALS_PER_PAGE"])
    return render_template("courses/index.html", page=page,
                           covers=services.covers_for(c.id for c in page.items),
                           may_create=current_user.can("course.create"))


@bp.route("/new", methods=["GET", "POST"])
@permission_required("course.create")
def create() -> ResponseReturnValue:
    # A translation starts from the course it translates, like a guide's (?translation_of=).
    original = services.by_slug(request.args.get("translation_of", ""))
    if original is not None and not services.can_view(original, current_user):
        original = None
    form = CourseForm()
    if not form.is_submitted():
        if original is not None:
            form = CourseForm(obj=original)
            _fill_from(form, original)
        form.form_key.data = formkeys.new_key()
        form.language.data = request.args.get("lang") or current_language()
    if form.validate_on_submit():
        earlier = formkeys.already_created(Course, form.form_key.data)
        if earlier is None and original is not None and services.translation_in(
                original, form.language.data):
            form.language.errors.append(_("This course already has a version in this "
                                          "language."))
            return _create_page(form, original, 422)
        if earlier is None:
            try:
                earlier = services.create_course(
                    form.to_input(), current_user.id, form_key=form.form_key.data or None,
                    translation_group=original.translation_group if original else None)
                db.session.commit()
            except IntegrityError:  # the same form committed by a parallel click
                db.session.rollback()
                earlier = formkeys.already_created(Course, form.form_key.data)
                if earlier is None:
                    raise
            flash(_("Draft saved."), "success")
        return redirect(url_for(".detail", slug=earlier.slug))
    return _create_page(form, original, 422 if form.errors else 200)


def _create_page(form: CourseForm, original: Course | None, status: int) -> ResponseReturnValue:
    return render_template("courses/edit.html", form=form, course=None,
                           original=original), status


@bp.route("/<slug>")
def detail(slug: str) -> ResponseReturnValue:
    course = visible_course(slug)
    preview = _previewing(course)
    wanted = request.args.get("lang") or current_language()
    fallback_from = None
    if wanted != course.language and wanted in LANGUAGE_NAMES:
        match = next((t for t in _translations(course, preview) if t.language == wanted), None)
        if match is not None and request.args.get("lang"):
            return redirect(url_for(".detail", slug=match.slug, preview=1 if preview else None))
        if match is None:
            fallback_from = wanted
    return _detail_page(course, fallback_from=fallback_from, preview=preview)


def _translations(course: Course, preview: bool) -> list[Course]:
    found = services.translations(course, current_user)
    # A preview shows what learners would be offered: other versions that are public.
    return [t for t in found if t.is_live] if preview else found


def _detail_page(course: Course, module_form: ModuleForm | None = None, *,
                 fallback_from: str | None = None, preview: bool = False) -> str:
    manage = services.may_manage(course, current_user) and not preview
    translations = _translations(course, preview)
    enrolment = progress = None
    if current_user.is_authenticated and not preview:
        enrolment = learning.enrolment_of(course, current_user.id)
        if enrolment is not None:
            progress = learning.progress(course, current_user.id, enrolment.started_at)
    return render_template(
        "courses/detail.html", course=course, html=render(course.description).html,
        enrolment=enrolment, progress=progress,
        may_assign=current_user.can("course.assign") and course.is_live and not preview,
        may_report=not preview and (manage or current_user.can("course.reports")),
        audiences=COURSE_AUDIENCE_LABELS, states=workflow.STATE_LABELS,
        translations=translations, fallback_from=fallback_from, preview=preview,
        cover=services.cover_of(course),
        moves=[] if preview else workflow.available_moves(course, current_user),
        may_manage=manage, can_edit=manage and workflow.can_edit(course, current_user),
        untranslated=[code for code in LANGUAGE_NAMES if code != course.language
                      and code not in {t.language for t in translations}],
        workflow_form=WorkflowForm(), module_form=module_form or ModuleForm(),
        empty_form=EmptyForm())


@bp.route("/<slug>/workflow", methods=["POST"])
def move(slug: str) -> ResponseReturnValue:
    return apply_move(visible_course(slug), url_for(".detail", slug=slug))


# Editing the course, its cover and its history ----------------------------------------------------


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    course = editable_course(slug)
    form = CourseEditForm(obj=course)
    if not form.is_submitted():
        _fill_from(form, course)
    if form.validate_on_submit():
        refused = edit_refusal(
            form, course,
            language_taken=services.translation_in(course, form.language.data) is not None,
            taken=_("This course already has a version in this language."),
            stale=_("Someone else saved this course after you opened it. Your text is kept "
                    "below; compare it with the current version in the history, then save "
                    "again."))
        if refused is None:
            changed = services.update_course(course, form.to_input(), current_user.id,
                                             comment=form.comment.data or "")
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".edit", slug=course.slug))
        return _edit_page(course, form, CoverForm(), refused)
    return _edit_page(course, form, CoverForm(), 422 if form.errors else 200)


def _edit_page(course: Course, form: CourseEditForm, cover_form: CoverForm,
               status: int) -> ResponseReturnValue:
    return render_template("courses/edit.html", form=form, course=course, original=None,
                           cover=services.cover_of(course), cover_form=cover_form,
                           delete_form=EmptyForm()), status


def _saved_course(course: Course) -> CourseEditForm:
    """The course's form as saved, not filled from this request (an upload carries no text)."""
    form = CourseEditForm(formdata=None, obj=course)
    _fill_from(form, course)
    return form


@bp.route("/<slug>/cover", methods=["POST"])
def upload_cover(slug: str) -> ResponseReturnValue:
    course = editable_course(slug)
    form = CoverForm()
    if form.validate_on_submit():
        try:
            replaced = services.set_cover(course, form.file.data, current_user.id)
        except attachments.AttachmentError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
            return _edit_page(course, _saved_course(course), form, 413 if exc.too_large else 422)
        db.session.commit()
        for old in replaced:  # the rows are gone for good: now their files
            attachments.remove_file(old)
        flash(_("The cover image is saved."), "success")
        return redirect(url_for(".edit", slug=slug, _anchor="page-cover"))
    return _edit_page(course, _saved_course(course), form, 422)


@bp.route("/<slug>/cover/delete", methods=["POST"])
def delete_cover(slug: str) -> ResponseReturnValue:
    course = editable_course(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    removed = services.remove_cover(course, current_user.id)
    db.session.commit()
    for old in removed:
        attachments.remove_file(old)
    flash(_("The cover image is removed."), "success")
    return redirect(url_for(".edit", slug=slug, _anchor="page-cover"))


add_history_routes(bp, "/<slug>", managed=managed_course, editable=editable_course,
                   args=lambda course: {"slug": course.slug},
                   view_label=_l("View the course"), labels=REVISION_LABELS)


# The question bank ------------------------------------------------------------------------------


@bp.route("/<slug>/questions", methods=["GET", "POST"])
def bank(slug: str) -> ResponseReturnValue:
    course = managed_course(slug)
    form = GiftImportForm()
    problems: list[tuple[int, str]] = []
    if form.is_submitted():
        editable_or_403(course)  # the bank is frozen with the course while it is in review
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
                           groups=services.bank_groups(course), kinds=KIND_LABELS,
                           total=len(services.bank(course)),
                           can_edit=workflow.can_edit(course, current_user),
                           delete_form=EmptyForm())


@bp.route("/<slug>/questions.gift")
def export(slug: str) -> ResponseReturnValue:
    course = managed_course(slug)
    return Response(services.export_gift(course), mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{course.slug}.gift"'})


def _question_of(course: Course, question_id: int) -> Question:
    question = services.question_of(course, question_id)
    if question is None:  # another course's question: as if it did not exist
        abort(404)
    return question


def _read_question(form: QuestionForm) -> QuestionData | None:
    """The one question the form's GIFT text holds, or None with the problem on the field."""
    try:
        return services.parse_one(form.gift.data)
    except gift.GiftError as exc:
        form.gift.errors.extend(_("Line %(line)s: %(message)s", line=line, message=message)
                                for line, message in exc.problems)
    except services.OneQuestionError as exc:
        form.gift.errors.append(str(exc))
    return None


@bp.route("/<slug>/questions/new", methods=["GET", "POST"])
def add_question(slug: str) -> ResponseReturnValue:
    course = editable_course(slug)
    form = NewQuestionForm(categories=[c.name for c in services.categories(course)])
    if form.validate_on_submit():
        q = _read_question(form)
        if q is not None:
            chosen = form.chosen_category()
            if chosen is not None:
                q.category = chosen[:255]
            services.create_question(course, q, current_user.id)
            db.session.commit()
            flash(_("The question is added."), "success")
            return redirect(url_for(".bank", slug=slug))
    return render_template("courses/question_edit.html", course=course, form=form,
                           question=None), 422 if form.errors else 200


@bp.route("/<slug>/questions/<id:question_id>/edit", methods=["GET", "POST"])
def edit_question(slug: str, question_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    question = _question_of(course, question_id)
    form = QuestionForm()
    if not form.is_submitted():
        form.gift.data = gift.dump([question.content])
    if form.validate_on_submit():
        q = _read_question(form)
        if q is not None:
            changed = services.update_question(course, question, q, current_user.id)
            db.session.commit()
            flash(_("The question is saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".bank", slug=slug, _anchor=f"page-question-{question.id}"))
    return render_template("courses/question_edit.html", course=course, form=form,
                           question=question, kinds=KIND_LABELS,
                           delete_form=EmptyForm()), 422 if form.errors else 200


@bp.route("/<slug>/questions/<id:question_id>/delete", methods=["POST"])
def delete_question(slug: str, question_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    question = _question_of(course, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_question(question, current_user.id)
    db.session.commit()
    flash(_("The question is deleted."), "success")
    return redirect(url_for(".bank", slug=slug))


# Modules and lessons ----------------------------------------------------------------------------


def module_of(course: Course, module_id: int) -> Module:
    module = next((m for m in course.modules if m.id == module_id), None)
    if module is None:  # another course's module: as if it did not exist
        abort(404)
    return module


def lesson_of(course: Course, lesson_id: int) -> Lesson:
    lesson = next((le for le in services.lesson_sequence(course) if le.id == lesson_id), None)
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/<slug>/modules", methods=["POST"])
def add_module(slug: str) -> ResponseReturnValue:
    course = editable_course(slug)
    form = ModuleForm()
    if form.validate_on_submit():
        services.add_module(course, form.title.data, current_user.id)
        db.session.commit()
        flash(_("Module added."), "success")
        return redirect(url_for(".detail", slug=slug, _anchor="page-modules"))
    return _detail_page(course, module_form=form), 422


@bp.route("/<slug>/modules/<id:module_id>/move", methods=["POST"])
def move_module(slug: str, module_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    module = module_of(course, module_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.move(module, list(course.modules), request.form.get("direction", ""))
    db.session.commit()
    return redirect(url_for(".detail", slug=slug, _anchor="page-modules"))


@bp.route("/<slug>/modules/<id:module_id>/lessons/new", methods=["GET", "POST"])
def add_lesson(slug: str, module_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    module = module_of(course, module_id)
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
    course = visible_course(slug)
    preview = _previewing(course)
    current = lesson_of(course, lesson_id)
    items = [item for module in course.modules for item in module.items]
    index = items.index(current)
    done = current_user.is_authenticated and learning.is_done(current, current_user.id)
    return render_template(
        "courses/lesson.html", course=course, lesson=current, html=render(current.body).html,
        previous=items[index - 1] if index > 0 else None,
        next=items[index + 1] if index + 1 < len(items) else None, done=done,
        may_mark_done=current_user.is_authenticated and course.is_live and not preview,
        empty_form=EmptyForm(),
        files=services.lesson_files(current), preview=preview,
        can_edit=not preview and workflow.can_edit(course, current_user)
        and services.may_manage(course, current_user))


@bp.route("/<slug>/lessons/<id:lesson_id>/edit", methods=["GET", "POST"])
def edit_lesson(slug: str, lesson_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    current = lesson_of(course, lesson_id)
    form = LessonForm(obj=current)
    if form.validate_on_submit():
        services.update_lesson(current, form.title.data, form.body.data, form.minutes.data,
                               current_user.id)
        db.session.commit()
        flash(_("Lesson saved."), "success")
        return redirect(url_for(".lesson", slug=slug, lesson_id=current.id))
    return _lesson_edit_page(course, current, form, LessonFileForm(),
                             422 if form.errors else 200)


def _lesson_edit_page(course: Course, current: Lesson, form: LessonForm,
                      file_form: LessonFileForm, status: int) -> ResponseReturnValue:
    return render_template("courses/lesson_edit.html", course=course, module=current.module,
                           form=form, lesson=current, file_form=file_form,
                           files=services.lesson_files(current),
                           delete_form=EmptyForm()), status


@bp.route("/<slug>/lessons/<id:lesson_id>/files", methods=["POST"])
def add_lesson_file(slug: str, lesson_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    current = lesson_of(course, lesson_id)
    form = LessonFileForm()
    if form.validate_on_submit():
        try:
            attachments.save_upload(form.file.data, services.LESSON_FILES, current.id,
                                    current_user.id)
        except attachments.AttachmentError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
            saved = LessonForm(formdata=None, obj=current)
            return _lesson_edit_page(course, current, saved, form,
                                     413 if exc.too_large else 422)
        db.session.commit()
        flash(_("The file is attached."), "success")
        return redirect(url_for(".edit_lesson", slug=slug, lesson_id=current.id,
                                _anchor="page-files"))
    return _lesson_edit_page(course, current, LessonForm(formdata=None, obj=current), form, 422)


@bp.route("/<slug>/lessons/<id:lesson_id>/files/<id:attachment_id>/delete", methods=["POST"])
def delete_lesson_file(slug: str, lesson_id: int, attachment_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    current = lesson_of(course, lesson_id)
    attachment = db.session.get(attachments.Attachment, attachment_id)
    if attachment is None or (attachment.item_type, attachment.item_id) != (
            services.LESSON_FILES, current.id):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    attachments.remove(attachment, current_user.id)
    db.session.commit()
    attachments.remove_file(attachment)
    flash(_("The file is removed."), "success")
    return redirect(url_for(".edit_lesson", slug=slug, lesson_id=current.id,
                            _anchor="page-files"))


@bp.route("/<slug>/lessons/<id:lesson_id>/move", methods=["POST"])
def move_lesson(slug: str, lesson_id: int) -> ResponseReturnValue:
    course = editable_course(slug)
    current = lesson_of(course, lesson_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.move(current, current.module.items, request.form.get("direction", ""))
    db.session.commit()
    return redirect(url_for(".detail", slug=slug, _anchor="page-modules"))
