"""Users, their roles and the units inspectors belong to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.permissions import ROLE_LABELS, Role, permissions_for
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
    language = None
    timezone = None

    def get_id(self) -> None:
        return None

    def can(self, permission: str) -> bool:
        return False
