"""Personal access tokens for the JSON API: created and revoked on the account page, stored
hashed, limited to scopes the owner's roles allow.

A raw token looks like ``hq_k3v9x2ab_<43 characters>``: the ``hq_k3v9x2ab`` part is the public
prefix (shown in lists, the lookup key), the rest 32 random bytes. Only the SHA-256 of the whole
token is stored. The API calls :func:`authenticate` with what the client sent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import string
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import PersonalToken, User
from portal.content import audit
from portal.database import utcnow
from portal.extensions import db

__all__ = ["SCOPES", "PersonalToken", "TokenError", "allowed_scopes", "authenticate",
           "create_token", "revoke", "tokens_of"]

#: What a token may be granted, with the description the account page shows.
SCOPES: dict[str, LazyString] = {
    "learning:read": _l("Read my learning record"),
    "exports:read": _l("Download staff exports"),
}

#: The permissions guarding the staff downloads (course learner reports, webinar participant
#: lists, the audit log, the consultation queue's figures). ``exports:read`` is only for a
#: staff user holding one of them; each export endpoint still checks its own permission, the
#: scope only lets the token ask.
EXPORT_PERMISSIONS = frozenset({"course.reports", "webinar.edit", "admin.audit",
                                "consultation.answer"})

PREFIX = "hq_"
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_PREFIX_CHARS = 8
#: ``hq_`` + 8 prefix characters, ``_``, then 32 bytes in URL-safe base64 (43 characters).
_TOKEN = re.compile(r"hq_[a-z0-9]{8}_[A-Za-z0-9_-]{43}")
#: A token used again within this time is not written again (one write a minute at most).
TOUCH_INTERVAL = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request that is refused: an unknown scope, one the user may not have, no name."""


def allowed_scopes(user: User) -> frozenset[str]:
    """The scopes *user*'s roles allow today; a form cannot grant more."""
    allowed = {"learning:read"}
    if user.is_staff and any(user.can(p) for p in EXPORT_PERMISSIONS):
        allowed.add("exports:read")
    return frozenset(allowed)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user: User, name: str, scopes: Iterable[str],
                 expires_at: datetime | None = None, *,
                 form_key: str | None = None) -> tuple[PersonalToken, str]:
    """Make a token for *user*; returns the row and the raw token, which is never stored.

    Flushes, never commits. Raises TokenError for a scope that is unknown or not allowed to
    the user (refused rather than silently dropped: a script must not get less than it asked).
    """
    wanted = frozenset(scopes)
    name = name.strip()
    if not name:
        raise TokenError("a token needs a name")
    if not wanted:
        raise TokenError("a token needs at least one scope")
    if wanted - SCOPES.keys():
        raise TokenError(f"unknown scope: {', '.join(sorted(wanted - SCOPES.keys()))}")
    if wanted - allowed_scopes(user):
        raise TokenError(f"scope not allowed: {', '.join(sorted(wanted - allowed_scopes(user)))}")
    if expires_at is not None and expires_at <= utcnow():
        raise TokenError("the expiry is in the past")
    prefix = PREFIX + "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(_PREFIX_CHARS))
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = PersonalToken(user_id=user.id, name=name[:80], prefix=prefix, token_hash=_hash(raw),
                          scopes=" ".join(sorted(wanted)), expires_at=expires_at,
                          form_key=form_key)
    db.session.add(token)
    db.session.flush()
    # The label is the name and the public prefix, never the token.
    audit.log("token.create", "personal_token", token.id, user.id, label=f"{name} ({prefix})",
              detail=f"scopes={token.scopes} expires={expires_at.date() if expires_at else '-'}")
    return token, raw


def authenticate(raw: str) -> tuple[User, frozenset[str]] | None:
    """The user and the scopes a raw token grants; None when it grants nothing.

    None for an unknown, malformed, revoked or expired token and for a disabled owner. The
    scopes are the token's, narrowed to what the owner's roles allow *now* (a trainer who lost
    the role loses ``exports:read`` on their old tokens too).

    ``last_used_at`` is written at most once a minute, in its own short transaction: an API
    GET has nothing else to commit, and the caller's session is left as it was.
    """
    if not isinstance(raw, str) or not _TOKEN.fullmatch(raw):
        return None
    token = db.session.scalar(select(PersonalToken).where(PersonalToken.prefix == raw[:11]))
    if token is None or not hmac.compare_digest(token.token_hash, _hash(raw)):
        return None
    now = utcnow()
    if token.revoked_at is not None or token.expired(now) or not token.user.active:
        return None
    if token.last_used_at is None or token.last_used_at <= now - TOUCH_INTERVAL:
        _touch(token, now)
    return token.user, token.scope_set & allowed_scopes(token.user)


def _touch(token: PersonalToken, now: datetime) -> None:
    dbapi = db.session.connection().connection.dbapi_connection
    if isinstance(dbapi, sqlite3.Connection) and dbapi.in_transaction:
        # The caller's transaction already writes and holds SQLite's lock: a second connection
        # would wait for it. Change the row there; the caller's commit writes it.
        token.last_used_at = now
        return
    # The condition makes parallel requests of several workers write once between them.
    try:
        with db.engine.begin() as connection:
            connection.execute(update(PersonalToken).where(
                PersonalToken.id == token.id,
                or_(PersonalToken.last_used_at.is_(None),
                    PersonalToken.last_used_at <= now - TOUCH_INTERVAL),
            ).values(last_used_at=now))
    except OperationalError:  # a busy database: the time is a hint, the request matters
        current_app.logger.warning("could not note the use of token %s", token.prefix)
        return
    # What the database now holds, without marking the row changed in the caller's session.
    set_committed_value(token, "last_used_at", now)


def revoke(token: PersonalToken, actor: User) -> None:
    """Stop *token* working at once. The owner revokes; so may an admin of users."""
    if actor.id != token.user_id and not actor.can("admin.users"):
        raise TokenError("not the owner's token")
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    audit.log("token.revoke", "personal_token", token.id, actor.id,
              label=f"{token.name} ({token.prefix})")


def tokens_of(user: User) -> Select[PersonalToken]:
    """The user's tokens not revoked (expired ones included, marked so), newest first."""
    return (select(PersonalToken)
            .where(PersonalToken.user_id == user.id, PersonalToken.revoked_at.is_(None))
            .order_by(PersonalToken.created_at.desc(), PersonalToken.id.desc()))
