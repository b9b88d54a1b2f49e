"""Account writes: plain arguments and an explicit actor; they flush, the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from portal import throttle
from portal.accounts import passwords
from portal.accounts.models import Unit, User
from portal.accounts.permissions import Role
from portal.content import audit
from portal.database import utcnow
from portal.extensions import db


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, password: str, roles: set[str] | None = None,
                language: str = "uz", unit: Unit | None = None,
                actor_id: int | None = None) -> User:
    """Create an account; refuses a taken email or a weak password with AccountError."""
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise AccountError("email taken")
    reason = passwords.problem(password)
    if reason:
        raise AccountError(f"password {reason}")
    user = User(email=email, name=name.strip(), password_hash=passwords.hash_password(password),
                language=language, unit=unit)
    user.set_roles(roles or {Role.citizen})
    db.session.add(user)
    db.session.flush()
    audit.log("user.create", "user", user.id, actor_id or user.id, label=email,
              detail=",".join(sorted(user.roles)))
    return user


@dataclass
class LoginResult:
    user: User | None = None
    #: Seconds to wait when refused for too many failures, else 0.
    throttled_for: int = 0


def _throttle_keys(email: str, address: str) -> tuple[tuple[str, int], tuple[str, int]]:
    cfg = current_app.config
    return ((f"login-account:{normalise_email(email)}", cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
            (f"login-address:{address}", cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]))


def authenticate(email: str, password: str, address: str) -> LoginResult:
    """Check credentials, counting failures per account and per address in the database."""
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    keys = _throttle_keys(email, address)
    if any(throttle.is_limited(key, limit, window) for key, limit in keys):
        return LoginResult(throttled_for=throttle.retry_after(window))
    user = find_by_email(email)
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        for key, _limit in keys:
            throttle.hit(key, window)
        audit.log("user.login_failed", "user", user.id if user else None, None,
                  label=normalise_email(email)[:100])
        return LoginResult()
    throttle.reset(keys[0][0])
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    audit.log("user.login", "user", user.id, user.id, label=user.email)
    return LoginResult(user=user)


def change_password(user: User, current: str, new: str) -> bool:
    """Set a new password if *current* is right; every other session of the user ends."""
    if not passwords.verify(user.password_hash, current):
        return False
    user.password_hash = passwords.hash_password(new)
    user.end_sessions()
    audit.log("user.password_change", "user", user.id, user.id, label=user.email)
    return True


def logout(user: User) -> None:
    """Logging out ends the user's sessions on every device."""
    user.end_sessions()
    audit.log("user.logout", "user", user.id, user.id, label=user.email)


def update_by_admin(user: User, roles: set[str], unit_id: int | None, active: bool,
                    actor: User) -> None:
    before = (sorted(user.roles), user.unit_id, user.active)
    if user.id == actor.id and (Role.admin not in roles or not active):
        raise AccountError("cannot remove own admin")
    user.set_roles(roles)
    user.unit_id = unit_id or None
    if user.active and not active:
        user.end_sessions()
    user.active = active
    after = (sorted(user.roles), user.unit_id, user.active)
    if before != after:
        audit.log("user.update", "user", user.id, actor.id, label=user.email,
                  detail=f"roles={','.join(after[0])} unit={after[1]} active={after[2]}")


def get_or_create_unit(region: str, district: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(
        func.lower(Unit.region) == region.lower(), func.lower(Unit.district) == district.lower()))
    if unit is None:
        unit = Unit(region=region, district=district)
        db.session.add(unit)
        db.session.flush()
    return unit
