"""Legal guides: plain-language explanations of the law for citizens and inspectors."""

from __future__ import annotations

from datetime import date
from enum import StrEnum, auto
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.content.formkeys import FormKeyed
from portal.content.topics import Topic, TopicsRevisioned, topic_link_table
from portal.content.workflow import Publishable
from portal.extensions import Model

if TYPE_CHECKING:
    from portal.accounts.models import User


class Audience(StrEnum):
    citizens = auto()
    inspectors = auto()
    everyone = auto()


AUDIENCE_LABELS = {
    Audience.citizens: _l("Citizens"),
    Audience.inspectors: _l("Inspectors only"),
    Audience.everyone: _l("Everyone"),
}

material_topics = topic_link_table("materials", "material_id")


class Material(Publishable, TopicsRevisioned, FormKeyed, Model):
    __tablename__ = "materials"

    permission_prefix = "material"
    audit_type = "material"
    revision_fields = ("title", "summary", "body", "audience", "language", "legal_references",
                       "reviewed_on", "expires_at")
    revision_labels = {
        "title": _l("Title"), "summary": _l("Summary"), "body": _l("Text"),
        "audience": _l("Audience"), "language": _l("Language"),
        "legal_references": _l("Legal references"), "reviewed_on": _l("Legally reviewed on"),
        "expires_at": _l("Expires on"), "topics": _l("Topics"),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Markdown; rendered with raw HTML off and cleaned by nh3.
    body: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[Audience] = mapped_column(
        Enum(Audience, native_enum=False, length=20, validate_strings=True),
        default=Audience.everyone)
    #: One reference a line, e.g. a law's name, number and date.
    legal_references: Mapped[str] = mapped_column(Text, default="")
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    #: Answers to "was this page useful?".
    useful_yes: Mapped[int] = mapped_column(default=0)
    useful_no: Mapped[int] = mapped_column(default=0)

    author: Mapped[User | None] = relationship(foreign_keys="Material.author_id", lazy="joined")
    topics: Mapped[list[Topic]] = relationship(secondary=material_topics, lazy="selectin",
                                               order_by=Topic.position)

    @property
    def references(self) -> list[str]:
        return [line.strip() for line in self.legal_references.splitlines() if line.strip()]


