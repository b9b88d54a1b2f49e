"""The citizens' pages: choosing a topic, the guides that may already answer, the request
form, tracking a request by reference and code, and a registered citizen's own requests.

Personal data never goes into a URL: the reference and the code are POSTed, the receipt and
the tracked request are remembered in the signed session cookie, and every page that shows a
request answers ``Cache-Control: no-store``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.consultations import configuration, intake, privacy, references, services
from portal.consultations.forms import FollowUpForm, RequestForm, TrackForm, WithdrawForm
from portal.consultations.models import (
    CONTACT_TIME_LABELS,
    CONTACT_WAY_LABELS,
    MAX_TEXT,
    OPEN_STATUSES,
    STATUS_LABELS,
    ConsultationRequest,
    ConsultationTopic,
    FieldKind,
    Status,
)
from portal.content import formkeys, registry
from portal.content.attachments import AttachmentError
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, current_language

bp = Blueprint("consultations", __name__, url_prefix="/consultations")

#: How many guides step 2 suggests.
SUGGESTED_GUIDES = 6
#: The request form takes bodies up to this size (above the portal's MAX_CONTENT_LENGTH), so
#: that a too large attachment is refused by the field's own check, next to it, with what
#: was typed kept, rather than by the bare 413 page.
FORM_MAX_CONTENT_LENGTH = 25 * 1024 * 1024


@bp.url_value_preprocessor
def _room_for_a_large_attachment(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Raise the body limit of the request form only. A URL value preprocessor, not a
    before_request: those of the app (CSRF's) run first and read the body."""
    if endpoint == "consultations.form":
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and limit < FORM_MAX_CONTENT_LENGTH:
            request.max_content_length = FORM_MAX_CONTENT_LENGTH


def private(view: Callable[..., ResponseReturnValue]) -> Callable[..., Response]:
    """Answer with ``Cache-Control: no-store``: the page shows a request (or will)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


# Step 1 and 2: the topic, and the guides that may already answer ------------------------------

def _topic_or_404(slug: str) -> ConsultationTopic:
    topic = configuration.topic_by_slug(slug)
    if topic is None:
        abort(404)
    return topic


@bp.route("/new")
def new() -> ResponseReturnValue:
    return render_template("consultations/topics.html", topics=configuration.active_topics())


@bp.route("/new/<slug>")
def suggestions(slug: str) -> ResponseReturnValue:
    topic = _topic_or_404(slug)
    guides = (registry.guides_for_topic(topic.guide_topic.slug, current_language(),
                                        SUGGESTED_GUIDES)
              if topic.guide_topic is not None else [])
    return render_template("consultations/suggestions.html", topic=topic, guides=guides)


# Step 3: the form -----------------------------------------------------------------------------

def _form_page(topic: ConsultationTopic, form: RequestForm, extra_values: dict[str, str],
               extra_errors: dict[str, Any], status: int = 200) -> ResponseReturnValue:
    consent = configuration.current_consent(current_language())
    form.consent_version.data = str(consent.version if consent else 0)
    return render_template(
        "consultations/form.html", topic=topic, form=form, consent=consent,
        extra_values=extra_values, extra_errors=extra_errors, kinds=FieldKind,
        max_text=MAX_TEXT), status


@bp.route("/new/<slug>/form", methods=["GET", "POST"])
@private
def form(slug: str) -> ResponseReturnValue:
    topic = _topic_or_404(slug)
    form = RequestForm()
    if request.method == "GET":
        form.form_key.data = formkeys.new_key()
        form.language.data = current_language()
        if current_user.is_authenticated:
            form.name.data = current_user.name
            form.email.data = current_user.email
        return _form_page(topic, form, {}, {})
    if form.website.data:
        # A robot filled the honeypot: it sees the usual answer, nothing is written.
        return redirect(url_for(".sent"), 303)
    extra_values = {f.name: request.form.get(f"extra-{f.name}", "")[:1000]
                    for f in topic.fields}
    valid = form.validate_on_submit()
    answers, extra_errors = configuration.clean_extra_answers(topic, extra_values)
    version = configuration.current_consent_version()
    if valid and form.consent_version.data != str(version):
        form.consent.errors = [*form.consent.errors, _(
            "The consent text has changed since the page was opened: read it below and "
            "agree again.")]
        form.consent.data = False
        valid = False
    if not valid or extra_errors:
        return _form_page(topic, form, extra_values, extra_errors, 422)
    data = services.RequestInput(
        topic_id=topic.id, name=form.name.data, phone=form.phone.data,
        question=form.question.data, language=form.language.data,
        consent_version=version, contact_way=form.contact_way.data,
        contact_time=form.contact_time.data, email=form.email.data or "",
        region=form.region.data, district=form.district.data or "",
        mahalla=form.mahalla.data or "", extra_answers=answers,
        publish_consent=bool(form.publish_consent.data),
        attachment=getattr(form, "upload", None))
    # Only a key this page could have made: one in another form (an API client's) must not
    # reach the "sent already" path below with someone else's request.
    key = form.form_key.data if intake.is_form_key(form.form_key.data) else None
    try:
        outcome = intake.send_request(
            data, user_id=current_user.id if current_user.is_authenticated else None,
            form_key=key, address=intake.client_address())
    except (services.InvalidInput, AttachmentError) as error:
        form.form_errors.append(str(error))
        return _form_page(topic, form, extra_values, extra_errors, 422)
    if outcome.retry_after:
        form.form_errors.append(intake.too_many_requests(outcome.retry_after))
        return _form_page(topic, form, extra_values, extra_errors, 429)
    sent, code = outcome.request, outcome.code
    assert sent is not None
    if code is None:  # the same form a second time: its request exists already
        return _sent_already(sent)
    intake.keep_receipt(sent.reference, code, bool(sent.email))
    return redirect(url_for(".sent"), 303)


def _sent_already(earlier: ConsultationRequest) -> ResponseReturnValue:
    """The same form (its one-time key) sent again: a double click, a retried POST. When this
    browser's session does not hold the receipt (the second answer's cookie replaced the one
    holding the code), the code was never seen: a new one replaces it and is shown (and mailed)
    instead. Only whoever holds the form key gets here; each new code (a new mail) counts
    against the address's daily limit of requests."""
    if not earlier.is_anonymised and not intake.holds_receipt(earlier.reference):
        wait = services.count_submission(intake.client_address())
        db.session.commit()
        if not wait:
            code = services.issue_new_code(earlier)
            db.session.commit()
            intake.keep_receipt(earlier.reference, code, bool(earlier.email))
            return redirect(url_for(".sent"), 303)
    flash(_("This request was sent already."), "info")
    return redirect(url_for(".sent"), 303)


@bp.route("/sent")
@private
def sent() -> ResponseReturnValue:
    """The reference and the code, once; a reload shows the reference only."""
    receipt = intake.take_receipt()
    reference = receipt["reference"] if receipt else intake.last_reference()
    return render_template("consultations/sent.html", receipt=receipt, reference=reference)


# Tracking -------------------------------------------------------------------------------------

@bp.route("/track", methods=["GET", "POST"])
@private
def track() -> ResponseReturnValue:
    form = TrackForm()
    if form.validate_on_submit():
        result = services.track(form.reference.data, form.code.data, intake.client_address())
        db.session.commit()  # the attempt counts, found or not
        if result.retry_after:
            form.form_errors.append(intake.too_many_tracking_attempts(result.retry_after))
            return render_template("consultations/track.html", form=form), 429
        if result.request is None:
            form.form_errors.append(intake.no_such_request())
            return render_template("consultations/track.html", form=form), 401
        intake.remember_tracked(result.request.id)
        return redirect(url_for(".tracked"), 303)
    return render_template("consultations/track.html", form=form), 422 if form.errors else 200


def _tracked() -> ConsultationRequest | None:
    request_id = intake.tracked_id()
    found = db.session.get(ConsultationRequest, request_id) if request_id else None
    if found is None:
        intake.forget_tracked()
    return found


def _track_again() -> ResponseReturnValue:
    flash(_("To see your request, give its reference and tracking code again."), "info")
    return redirect(url_for(".track"), 303)


def _request_page(found: ConsultationRequest, *, owner: bool,
                  follow_up: FollowUpForm | None = None,
                  status: int = 200) -> ResponseReturnValue:
    if owner:
        follow_url = url_for(".mine_follow_up", reference=found.reference)
        withdraw_url = url_for(".mine_withdraw", reference=found.reference)
    else:
        follow_url, withdraw_url = url_for(".tracked_follow_up"), url_for(".tracked_withdraw")
    return render_template(
        "consultations/request.html", item=found, owner=owner,
        messages=services.public_messages(found), statuses=STATUS_LABELS,
        due=found.due_at if found.status in OPEN_STATUSES else None,
        waiting=found.status == Status.waiting,
        region=intake.region_label(found.region), ways=CONTACT_WAY_LABELS,
        times=CONTACT_TIME_LABELS, language_names=LANGUAGE_NAMES,
        form=follow_up or FollowUpForm(formdata=None), follow_url=follow_url,
        withdraw_url=withdraw_url), status


def _add_follow_up(found: ConsultationRequest, *, owner: bool,
                   back: str) -> ResponseReturnValue:
    if found.is_anonymised:
        abort(403)
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _request_page(found, owner=owner, follow_up=form, status=422)
    try:
        services.add_follow_up(found, form.body.data)
        db.session.commit()
    except services.InvalidInput as error:
        db.session.rollback()
        form.body.errors = [str(error)]
        return _request_page(found, owner=owner, follow_up=form, status=422)
    except services.NotAllowed as error:  # too many messages today
        db.session.rollback()
        form.body.errors = [str(error)]
        return _request_page(found, owner=owner, follow_up=form, status=429)
    flash(_("Your message is sent. The consultant's answer will appear here."), "success")
    return redirect(back, 303)


def _withdraw(found: ConsultationRequest, *, owner: bool, back: str,
              done: str) -> ResponseReturnValue:
    form = WithdrawForm()
    if found.is_anonymised:
        return redirect(back, 303)
    if form.validate_on_submit():
        privacy.withdraw_consent(found)
        db.session.commit()
        flash(_("Your consent is withdrawn. Your name, contacts, question and the messages "
                "have been deleted; the request is closed."), "success")
        return redirect(done, 303)
    return render_template("consultations/withdraw.html", item=found, form=form, back=back,
                           action=request.path), 422 if form.errors else 200


@bp.route("/track/request")
@private
def tracked() -> ResponseReturnValue:
    found = _tracked()
    if found is None:
        return _track_again()
    return _request_page(found, owner=False)


@bp.route("/track/request/follow-up", methods=["POST"])
@private
def tracked_follow_up() -> ResponseReturnValue:
    found = _tracked()
    if found is None:
        return _track_again()
    return _add_follow_up(found, owner=False, back=url_for(".tracked"))


@bp.route("/track/request/withdraw", methods=["GET", "POST"])
@private
def tracked_withdraw() -> ResponseReturnValue:
    found = _tracked()
    if found is None:
        return _track_again()
    return _withdraw(found, owner=False, back=url_for(".tracked"), done=url_for(".tracked"))


# A registered citizen's own requests ----------------------------------------------------------

def _own_or_404(reference: str) -> ConsultationRequest:
    normalised = references.normalise_reference(reference)
    found = db.session.scalar(select(ConsultationRequest).where(
        ConsultationRequest.reference == normalised)) if normalised else None
    if found is None or not services.can_view_as_citizen(found, current_user):
        abort(404)
    return found


@bp.route("/mine/<reference>")
@login_required
@private
def mine(reference: str) -> ResponseReturnValue:
    return _request_page(_own_or_404(reference), owner=True)


@bp.route("/mine/<reference>/follow-up", methods=["POST"])
@login_required
@private
def mine_follow_up(reference: str) -> ResponseReturnValue:
    found = _own_or_404(reference)
    return _add_follow_up(found, owner=True,
                          back=url_for(".mine", reference=found.reference))


@bp.route("/mine/<reference>/withdraw", methods=["GET", "POST"])
@login_required
@private
def mine_withdraw(reference: str) -> ResponseReturnValue:
    found = _own_or_404(reference)
    # Anonymising unlinks the request from the account: afterwards only the account remains.
    return _withdraw(found, owner=True, back=url_for(".mine", reference=found.reference),
                     done=url_for("account.profile"))


@bp.route("/my-data.json")
@login_required
@private
def my_data() -> ResponseReturnValue:
    """The account and the citizen's consultation requests, as a download (not the rest of
    what the portal holds about them: the account page says "my consultation requests")."""
    data = {"account": {"name": current_user.name, "email": current_user.email,
                        "language": current_user.language},
            **privacy.export_for_user(current_user)}
    response = Response(json.dumps(data, ensure_ascii=False, indent=2),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-consultation-requests.json"'
    return response


def _account_section(user: Any) -> str:
    """The citizen's requests on their account page, with the data download."""
    own = list(db.session.scalars(services.requests_of(user)))
    return render_template("consultations/_account.html", requests=own,
                           statuses=STATUS_LABELS)


registry.account_sections.append(_account_section)
