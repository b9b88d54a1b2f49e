"""Webinar pages for everyone: schedule, month calendar, archive, a webinar's page,
registration and the participant's own registration page, and the calendar feeds."""

from __future__ import annotations

import secrets
from calendar import Calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

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
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import throttle
from portal.accounts.models import AnonymousUser
from portal.content import attachments, workflow
from portal.content.actions import visible_or_404
from portal.content.forms import EmptyForm, WorkflowForm
from portal.content.markdown import render
from portal.content.topics import all_topics
from portal.database import utcnow
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, current_language
from portal.web import paginate
from portal.webinars import ical, notices, registration, services
from portal.webinars.forms import FeedbackForm, RegisterForm
from portal.webinars.models import (
    AUDIENCE_LABELS,
    STATUS_LABELS,
    CalendarToken,
    Registration,
    RegistrationStatus,
    Webinar,
)

bp = Blueprint("webinars", __name__, url_prefix="/webinars")

def refusal_text(reason: str) -> str:
    """Why registration is not possible, for the page and the refused form."""
    texts = {"not_yet": _("Registration has not opened yet."),
             "closed": _("Registration for this webinar is closed."),
             "past": _("This webinar has started.")}
    return texts[reason]


def webinar_of(webinar_id: int) -> Webinar:
    """The webinar if the current user may see it; hidden and missing ones answer 404."""
    return visible_or_404(db.session.get(Webinar, webinar_id), services.can_view)


def _filters() -> tuple[str | None, str | None]:
    topic = request.args.get("topic") or None
    language = request.args.get("language")
    return topic, language if language in LANGUAGE_NAMES else None


def zone() -> ZoneInfo:
    """The zone pages show times in: the user's profile, else the portal's."""
    return ZoneInfo(str(get_timezone() or current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def _page_link(webinar: Webinar) -> str:
    return url_for(".detail", webinar_id=webinar.id, _external=True)


# The schedule ---------------------------------------------------------------------------------

@bp.route("/")
def index() -> ResponseReturnValue:
    topic, language = _filters()
    page = paginate(services.upcoming(current_user, topic=topic, language=language),
                    current_app.config["MATERIALS_PER_PAGE"])
    return render_template("webinars/index.html", page=page, topics=all_topics(), topic=topic,
                           language=language, view="list", zone=zone(),
                           may_create=current_user.can("webinar.create"))


@bp.route("/archive")
def archive() -> ResponseReturnValue:
    topic, language = _filters()
    page = paginate(services.past(current_user, topic=topic, language=language),
                    current_app.config["MATERIALS_PER_PAGE"])
    return render_template("webinars/archive.html", page=page, topics=all_topics(),
                           topic=topic, language=language, view="archive", zone=zone())


def _month_arg(today: date) -> date:
    raw = request.args.get("month", "")
    try:
        chosen = datetime.strptime(raw, "%Y-%m").date() if raw else today.replace(day=1)
    except ValueError:
        abort(400)
    if not 2000 <= chosen.year <= 2100:
        abort(400)
    return chosen


def _shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


@bp.route("/calendar")
def month() -> ResponseReturnValue:
    """A month as a grid of weeks (Monday first), each day with its webinars."""
    topic, language = _filters()
    here = zone()
    first = _month_arg(datetime.now(here).date())
    following = _shift(first, 1)
    start = datetime(first.year, first.month, 1, tzinfo=here)
    end = datetime(following.year, following.month, 1, tzinfo=here)
    by_day: dict[date, list[Webinar]] = {}
    for webinar in services.between(current_user, start, end, topic=topic, language=language):
        by_day.setdefault(webinar.starts_at.astimezone(here).date(), []).append(webinar)
    weeks = Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return render_template("webinars/calendar.html", month=first, weeks=weeks, by_day=by_day,
                           previous=_shift(first, -1), following=following,
                           today=datetime.now(here).date(), topics=all_topics(), topic=topic,
                           language=language, view="calendar", zone=here,
                           count=sum(len(v) for v in by_day.values()))


# A webinar and registration -------------------------------------------------------------------

def _own_registration(webinar: Webinar) -> Registration | None:
    """The current user's registration: tied to their account, never matched by email alone
    (accounts are not email-verified; the mailbox proves itself through the mailed link)."""
    if not current_user.is_authenticated:
        return None
    return db.session.scalar(select(Registration).where(
        Registration.webinar_id == webinar.id, Registration.user_id == current_user.id,
        Registration.status != RegistrationStatus.cancelled))


def _detail_page(webinar: Webinar, form: RegisterForm | None = None,
                 status: int = 200) -> ResponseReturnValue:
    own = _own_registration(webinar)
    manage = services.may_manage(webinar, current_user)
    return render_template(
        "webinars/detail.html", webinar=webinar, html=render(webinar.description).html,
        zone=zone(), own=own, own_token=registration.token_for(own) if own else None,
        position=registration.waiting_position(own) if own else None,
        show_join=manage or (own is not None and own.status == RegistrationStatus.confirmed),
        state=webinar.registration_state(), refusal=refusal_text,
        seats_free=registration.seats_free(webinar),
        form=form or RegisterForm(formdata=None), one_click=EmptyForm(),
        attachments=attachments.for_item("webinar", webinar.id),
        moves=workflow.available_moves(webinar, current_user), manage=manage,
        can_edit=workflow.can_edit(webinar, current_user), workflow_form=WorkflowForm(),
        audiences=AUDIENCE_LABELS, states=workflow.STATE_LABELS, statuses=STATUS_LABELS,
        feedback_form=FeedbackForm(formdata=None),
        may_give_feedback=registration.may_give_feedback(own)), status


@bp.route("/<id:webinar_id>")
def detail(webinar_id: int) -> ResponseReturnValue:
    return _detail_page(webinar_of(webinar_id))


def _over_limit() -> bool:
    """Anonymous registrations from one address in an hour, counted in the database."""
    key = throttle.private_key("webinar-register", request.remote_addr or "unknown")
    over = throttle.hit(key, 3600) > current_app.config["WEBINAR_REGISTRATIONS_PER_HOUR"]
    db.session.commit()
    return over


@bp.route("/<id:webinar_id>/register", methods=["POST"])
def register(webinar_id: int) -> ResponseReturnValue:
    """One click when logged in; name, email and consent otherwise."""
    webinar = webinar_of(webinar_id)
    logged_in = current_user.is_authenticated
    form = RegisterForm()
    if logged_in:
        valid = EmptyForm().validate_on_submit()
        if not valid:
            abort(400)
        name, email = current_user.name, current_user.email
    else:
        if not form.validate_on_submit():
            return _detail_page(webinar, form, 422)
        name, email = form.name.data, form.email.data
        if _over_limit():
            form.form_errors.append(_("Too many registrations from your address. Try again "
                                      "in an hour."))
            return _detail_page(webinar, form, 429)
    if not webinar.is_live:
        abort(403)  # an organiser previewing a draft
    outcome = None
    for _attempt in range(3):
        try:
            outcome = registration.register(
                webinar, name=name, email=email, language=current_language(),
                user_id=current_user.id if logged_in else None, consent=not logged_in)
            db.session.commit()
            break
        except registration.RegistrationRefused as refused:
            db.session.rollback()
            form.form_errors.append(refusal_text(refused.reason))
            return _detail_page(webinar, form, 409)
        except IntegrityError:
            db.session.rollback()  # the same email registered a moment ago: find that one
    if outcome is None:
        abort(409)
    entry = outcome.registration
    if not outcome.new and (not logged_in or entry.user_id != current_user.id):
        # Someone may type another person's address: the page of that registration (with its
        # join link and cancel button) goes only to the mailbox.
        _resend(entry)
        flash(_("This email is registered already. We have mailed the details to it again."),
              "success")
        return redirect(url_for(".detail", webinar_id=webinar.id))
    if entry.status == RegistrationStatus.confirmed:
        flash(_("You are registered. The confirmation is in your mailbox.")
              if outcome.new else _("You are registered already."), "success")
    else:
        flash(_("The webinar is full: you are on the waiting list. If a seat becomes free it "
                "is yours, and we will mail you."), "success")
    return redirect(url_for(".my_registration", webinar_id=webinar.id,
                            token=registration.token_for(entry)))


def _resend(entry: Registration) -> None:
    """Mail the registration's details again (reminders are keyed: never queued twice)."""
    key = throttle.private_key("webinar-resend", str(entry.id))
    if throttle.hit(key, 3600) <= 3:  # a few resends an hour, not a mail cannon
        (notices.confirmed if entry.status == RegistrationStatus.confirmed
         else notices.waiting)(entry)
    db.session.commit()


# The participant's own registration page (link in every mail) ---------------------------------

def _registration_of(webinar_id: int, token: str) -> Registration:
    webinar = db.session.get(Webinar, webinar_id)
    found = registration.by_token(webinar, token) if webinar is not None else None
    if found is None:
        abort(404)
    return found


@bp.route("/<id:webinar_id>/registration/<token>")
def my_registration(webinar_id: int, token: str) -> ResponseReturnValue:
    entry = _registration_of(webinar_id, token)
    return _registration_page(entry, token, FeedbackForm(
        formdata=None, data={"rating": entry.rating, "comment": entry.comment}))


def _registration_page(entry: Registration, token: str, feedback_form: FeedbackForm,
                       status: int = 200) -> ResponseReturnValue:
    webinar = entry.webinar
    return render_template(
        "webinars/registration.html", entry=entry, webinar=webinar, token=token, zone=zone(),
        position=registration.waiting_position(entry), statuses=STATUS_LABELS,
        cancel_form=EmptyForm(), feedback_form=feedback_form,
        may_cancel=(entry.status != RegistrationStatus.cancelled
                    and webinar.starts_at > utcnow()),
        may_claim=registration.may_claim(entry, current_user),
        may_give_feedback=registration.may_give_feedback(entry)), status


@bp.route("/<id:webinar_id>/registration/<token>/claim", methods=["POST"])
@login_required
def claim(webinar_id: int, token: str) -> ResponseReturnValue:
    """Tie a registration made without an account to the account with the same email: the
    link from the mailbox proves the address, so its credit hours join My learning."""
    entry = _registration_of(webinar_id, token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not registration.may_claim(entry, current_user):
        abort(403)
    entry.user_id = current_user.id
    db.session.commit()
    flash(_("The registration is now in your account."), "success")
    return redirect(url_for(".my_registration", webinar_id=webinar_id, token=token))


@bp.route("/<id:webinar_id>/registration/<token>/cancel", methods=["POST"])
def cancel(webinar_id: int, token: str) -> ResponseReturnValue:
    entry = _registration_of(webinar_id, token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if entry.webinar.starts_at <= utcnow():
        flash(_("The webinar has started: there is nothing to cancel."), "error")
        return redirect(url_for(".my_registration", webinar_id=webinar_id, token=token)), 303
    if entry.status != RegistrationStatus.cancelled:
        registration.cancel(entry)
        db.session.commit()
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for(".my_registration", webinar_id=webinar_id, token=token))


@bp.route("/<id:webinar_id>/registration/<token>/feedback", methods=["POST"])
def feedback(webinar_id: int, token: str) -> ResponseReturnValue:
    entry = _registration_of(webinar_id, token)
    if not registration.may_give_feedback(entry):
        abort(403)
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _registration_page(entry, token, form, 422)
    registration.give_feedback(entry, form.rating.data, form.comment.data or "")
    db.session.commit()
    flash(_("Thank you for your feedback."), "success")
    return redirect(url_for(".my_registration", webinar_id=webinar_id, token=token))


@bp.route("/<id:webinar_id>/registration/<token>/calendar.ics")
def registration_ics(webinar_id: int, token: str) -> ResponseReturnValue:
    entry = _registration_of(webinar_id, token)
    participant = entry.status == RegistrationStatus.confirmed
    return _ics([ical.Entry(entry.webinar, _page_link(entry.webinar), participant)],
                entry.webinar.title, f"webinar-{webinar_id}.ics")


# Calendar feeds ---------------------------------------------------------------------------------

def _ics(entries: list[ical.Entry], name: str, filename: str) -> Response:
    response = Response(ical.calendar(entries, name), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/<id:webinar_id>.ics")
def webinar_ics(webinar_id: int) -> ResponseReturnValue:
    """One webinar; with the join link and alarms when the user has a seat."""
    webinar = webinar_of(webinar_id)
    own = _own_registration(webinar)
    participant = own is not None and own.status == RegistrationStatus.confirmed
    return _ics([ical.Entry(webinar, _page_link(webinar), participant)], webinar.title,
                f"webinar-{webinar.id}.ics")


@bp.route("/calendar.ics")
def calendar_ics() -> ResponseReturnValue:
    """Every upcoming webinar open to everyone (no join links: those are for participants)."""
    webinars = db.session.scalars(services.upcoming(AnonymousUser()).limit(500))
    return _ics([ical.Entry(w, _page_link(w)) for w in webinars], _("Huquq Portal webinars"),
                "webinars.ics")


@bp.route("/my-calendar/<token>.ics")
def personal_ics(token: str) -> ResponseReturnValue:
    """A user's own registrations with join links and alarms; the URL is the secret."""
    found = db.session.scalar(select(CalendarToken).where(CalendarToken.token == token[:64]))
    if found is None:
        abort(404)
    rows = db.session.scalars(select(Registration).join(Registration.webinar).where(
        Registration.user_id == found.user_id,
        Registration.status == RegistrationStatus.confirmed,
        Webinar.starts_at > utcnow() - timedelta(days=90),
    ).order_by(Webinar.starts_at))
    entries = [ical.Entry(r.webinar, _page_link(r.webinar), participant=True) for r in rows
               if r.webinar.state == workflow.State.published]
    return _ics(entries, _("My webinars"), "my-webinars.ics")


def _calendar_token(user_id: int, *, renew: bool = False) -> str:
    found = db.session.get(CalendarToken, user_id)
    if found is None:
        found = CalendarToken(user_id=user_id, token=secrets.token_urlsafe(32))
        db.session.add(found)
    elif renew:
        found.token = secrets.token_urlsafe(32)
        found.created_at = utcnow()
    db.session.flush()
    return found.token


@bp.route("/mine")
@login_required
def mine() -> ResponseReturnValue:
    """The user's registrations, and the address of their personal calendar feed."""
    rows = list(db.session.scalars(select(Registration).join(Registration.webinar).where(
        Registration.user_id == current_user.id,
        Registration.status != RegistrationStatus.cancelled,
    ).order_by(Webinar.starts_at.desc())))
    token = db.session.get(CalendarToken, current_user.id)
    return render_template("webinars/mine.html", rows=rows, statuses=STATUS_LABELS,
                           tokens={r.id: registration.token_for(r) for r in rows},
                           feed_token=token.token if token else None, form=EmptyForm(),
                           zone=zone())


@bp.route("/mine/feed", methods=["POST"])
@login_required
def feed_token() -> ResponseReturnValue:
    """Make the personal feed address, or a new one (the old address stops working)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    existed = db.session.get(CalendarToken, current_user.id) is not None
    _calendar_token(current_user.id, renew=existed)
    db.session.commit()
    flash(_("A new calendar address is made; the old one no longer works.") if existed
          else _("Your calendar address is ready."), "success")
    return redirect(url_for(".mine", _anchor="page-feed"))
