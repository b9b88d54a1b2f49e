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
    #: The password was right, but the user has two-factor login on: a code must follow
    #: before :func:`finish_login`.
    second_step: bool = False


def _login_keys(email: str, address: str) -> list[tuple[str, int]]:
    cfg = current_app.config
    return [(throttle.private_key("login-account", normalise_email(email)),
             cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
            (throttle.private_key("login-address", address), cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"])]


def count_login_attempt(email: str, address: str) -> int:
    """Count this attempt against the account and the address *before* checking the password.

    Returns 0 when the attempt may go on, else the seconds to wait. The caller commits at
    once, so parallel attempts all see each other's counts.
    """
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    over = [throttle.hit(key, window) > limit for key, limit in _login_keys(email, address)]
    return throttle.retry_after(window) if any(over) else 0


def authenticate(email: str, password: str, address: str) -> LoginResult:
    """Check credentials of an attempt already counted by :func:`count_login_attempt`.

    A failure stays counted; a success clears the account's failures and takes the attempt
    back from the address, so colleagues behind one office address do not lock each other out.
    """
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    user = find_by_email(email)
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        # Label only a real account: what was typed may be a password.
        audit.log("user.login_failed", "user", user.id if user else None, None,
                  label=user.email if user else "")
        return LoginResult()
    (account_key, _), (address_key, _) = _login_keys(email, address)
    throttle.reset(account_key)
    throttle.undo(address_key, window)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if user.has_two_factor:
        audit.log("user.login_password", "user", user.id, user.id, label=user.email)
        return LoginResult(user=user, second_step=True)
    finish_login(user)
    return LoginResult(user=user)


def finish_login(user: User) -> None:
    """Record a complete login (after the password, and the code when two-factor is on)."""
    user.last_login_at = utcnow()
    audit.log("user.login", "user", user.id, user.id, label=user.email)


def count_registration(address: str) -> int:
    """Count a registration from *address*; returns seconds to wait when over the limit."""
    window = 3600
    key = throttle.private_key("register-address", address)
    over = throttle.hit(key, window) > current_app.config["REGISTRATIONS_PER_ADDRESS_PER_HOUR"]
    return throttle.retry_after(window) if over else 0


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
