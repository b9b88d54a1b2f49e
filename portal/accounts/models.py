"""Users, their roles and the units inspectors belong to; their personal access tokens and
two-factor credentials; the account settings admins change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.permissions import ROLE_LABELS, Role, is_staff, permissions_for
from portal.content.formkeys import FormKeyed
from portal.database import UTCDateTime, utcnow
from portal.extensions import Model


class Unit(Model):
    """A territorial unit: a district (tuman) or city of a region (viloyat)."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("region", "district"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(120))
    district: Mapped[str] = mapped_column(String(120))

    @property
    def label(self) -> str:
        return f"{self.region} — {self.district}"


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="uz")
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Tashkent")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    #: False when an admin disabled the account.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Part of every session's identity: bumping it logs the user out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")
    #: Loaded when asked for (the login and the staff gate ask), not with every user.
    two_factor: Mapped[TwoFactorCredential | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, uselist=False, lazy="select")

    # Flask-Login's protocol.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The session (and remember cookie) carries the version: a bump invalidates both.
        return f"{self.id}:{self.session_version}"

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    @property
    def role_labels(self) -> list[str]:
        return [str(ROLE_LABELS[Role(r)]) for r in sorted(self.roles)]

    def set_roles(self, roles: set[str]) -> None:
        keep = {Role(r).value for r in roles}
        self.role_rows = [row for row in self.role_rows if row.role in keep] + [
            UserRole(role=r) for r in sorted(keep - self.roles)]

    def can(self, permission: str) -> bool:
        return permission in permissions_for(self.roles)

    @property
    def is_staff(self) -> bool:
        return is_staff(self.roles)

    @property
    def has_two_factor(self) -> bool:
        """Whether logging in asks for a code: the set-up was confirmed with one."""
        return self.two_factor is not None and self.two_factor.confirmed_at is not None

    def end_sessions(self) -> None:
        """Make every session and remember cookie of this user stop working."""
        self.session_version = (self.session_version or 1) + 1


class AnonymousUser:
    """The visitor who has not logged in: holds no permission."""

    is_authenticated = False
    is_active = False
    is_anonymous = True
    id = None
    roles: set[str] = set()
    is_staff = False
    has_two_factor = False
    language = None
    timezone = None

    def get_id(self) -> None:
        return None

    def can(self, permission: str) -> bool:
        return False


class PersonalToken(FormKeyed, Model):
    """A personal access token for the JSON API: made on the account page, scoped, revocable.

    The raw token (``hq_<8 chars>_<43 chars>``) is shown once and never stored.
    """

    __tablename__ = "personal_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The owner's name for it ("mahalla reporting script").
    name: Mapped[str] = mapped_column(String(80))
    #: The public start of the token (``hq_`` + 8 random characters): shown in lists, so the
    #: owner recognises it, and the key the token is looked up by.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    #: SHA-256 of the whole raw token, hex. The token holds 32 random bytes, so a fast hash
    #: cannot be guessed backwards; a slow one would cost every API request.
    token_hash: Mapped[str] = mapped_column(String(64))
    #: Granted scopes, space-separated (``learning:read exports:read``).
    scopes: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None: until revoked.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Updated at most once a minute, so API traffic does not write on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())


class TwoFactorCredential(Model):
    """A user's TOTP secret (an authenticator app's), and the last time step it accepted."""

    __tablename__ = "two_factor_credentials"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: The secret, encrypted with a key derived from SECRET_KEY (:mod:`portal.accounts.secretbox`):
    #: a copy of the database alone does not give the codes.
    secret_box: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a code proved the app holds the secret; until then login does not ask for codes.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last TOTP time step (unix time // 30) a code was accepted for: a code of that step
    #: or an earlier one is refused, so an overheard code cannot be used again.
    last_step: Mapped[int | None] = mapped_column()


class RecoveryCode(Model):
    """A one-time code that stands in for the app's code when the phone is lost."""

    __tablename__ = "two_factor_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the code (80 random bits: a fast hash is enough), hex.
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountSetting(Model):
    """A setting admins change on a page (not in config files): one row a name."""

    __tablename__ = "account_settings"

    #: e.g. ``two_factor_required``; :mod:`portal.accounts.settings` lists them with defaults.
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
