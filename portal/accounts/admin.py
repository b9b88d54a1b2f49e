"""Admin pages: users (search, roles, unit, enable/disable), the audit log, account settings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from portal.accounts import services, settings
from portal.accounts.decorators import permission_required
from portal.accounts.forms import AccountSettingsForm, AdminUserForm
from portal.accounts.models import TwoFactorCredential, Unit, User, UserRole
from portal.accounts.permissions import ROLE_LABELS, STAFF_ROLES, Role
from portal.content.audit import AuditEntry
from portal.extensions import db
from portal.web import int_arg, paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@permission_required("admin.users")
def index() -> ResponseReturnValue:
    return redirect(url_for(".users"))


@bp.route("/users")
@permission_required("admin.users")
def users() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    query = select(User).order_by(User.email)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(User.email.ilike(like), User.name.ilike(like)))
    if role in {r.value for r in Role}:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    page = paginate(query, current_app.config["ADMIN_PER_PAGE"])
    return render_template("admin/users.html", page=page, q=q, role=role, roles=ROLE_LABELS)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@permission_required("admin.users")
def user(user_id: int) -> ResponseReturnValue:
    target = db.get_or_404(User, user_id)
    units = [(u.id, u.label) for u in db.session.scalars(
        select(Unit).order_by(Unit.region, Unit.district))]
    form = AdminUserForm(obj=target, units=units,
                         data=None if request.method == "POST" else {
                             "roles": sorted(target.roles), "unit_id": target.unit_id or 0,
                             "active": target.active})
    if form.validate_on_submit():
        try:
            services.update_by_admin(target, set(form.roles.data or []), form.unit_id.data,
                                     form.active.data, actor=current_user)
        except services.AccountError:
            form.roles.errors.append(_("You cannot remove your own administrator role or "
                                       "disable your own account."))
        else:
            db.session.commit()
            flash(_("The account is saved."), "success")
            return redirect(url_for(".user", user_id=target.id))
    return render_template("admin/user.html", form=form, target=target), (
        422 if form.errors else 200)


AUDIT_FILTERS = ("actor", "action", "object_type", "object_id", "since", "until")


def _parse_date(value: str | None) -> date | None:
    try:
        parsed = date.fromisoformat(value) if value else None
    except ValueError:
        abort(400)
    if parsed is not None and not 2000 <= parsed.year <= 2999:
        abort(400)
    return parsed


@bp.route("/audit")
@permission_required("admin.audit")
def audit_log() -> ResponseReturnValue:
    args = request.args
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    actor = args.get("actor", "").strip()[:100]
    if actor:
        query = query.where(AuditEntry.actor_id.in_(
            select(User.id).where(User.email.ilike(f"%{actor.lower()}%"))))
    action = args.get("action", "").strip()[:60]
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    object_type = args.get("object_type", "").strip()[:40]
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    object_id = int_arg("object_id")
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    # Days as the admin reads them: in their own time zone, like the times on the page.
    zone = ZoneInfo(str(get_timezone()))
    since, until = _parse_date(args.get("since")), _parse_date(args.get("until"))
    if since:
        query = query.where(AuditEntry.created_at >= datetime.combine(since, time(), zone))
    if until:
        query = query.where(
            AuditEntry.created_at < datetime.combine(until + timedelta(days=1), time(), zone))
    page = paginate(query, current_app.config["ADMIN_PER_PAGE"])
    filters = {k: args[k] for k in AUDIT_FILTERS if args.get(k)}
    return render_template("admin/audit.html", page=page, args=args, filters=filters)


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("admin.users")
def account_settings() -> ResponseReturnValue:
    form = AccountSettingsForm(data=None if request.method == "POST" else {
        "two_factor_required": settings.get_bool("two_factor_required")})
    if form.validate_on_submit():
        if form.two_factor_required.data and not current_user.has_two_factor:
            # The admin is staff too: the requirement would stop them on the next page. Turning
            # it on first also proves the set-up works before everyone is sent to it.
            form.two_factor_required.errors.append(_(
                "Turn on two-factor login for your own account first."))
        else:
            settings.set_bool("two_factor_required", form.two_factor_required.data,
                              actor=current_user)
            db.session.commit()
            flash(_("The settings are saved."), "success")
            return redirect(url_for(".account_settings"))
    staff_without = None
    if settings.get_bool("two_factor_required"):
        staff_without = _staff_without_two_factor()
    return render_template("admin/settings.html", form=form, staff_without=staff_without), (
        422 if form.errors else 200)


def _staff_without_two_factor() -> list[User]:
    """Staff accounts that have not confirmed two-factor login yet (they will be asked)."""
    staff = select(UserRole.user_id).where(UserRole.role.in_([r.value for r in STAFF_ROLES]))
    confirmed = select(TwoFactorCredential.user_id).where(
        TwoFactorCredential.confirmed_at.is_not(None))
    return list(db.session.scalars(
        select(User).where(User.id.in_(staff), User.id.not_in(confirmed), User.active)
        .order_by(User.email).limit(200)))
