"""One shared taxonomy of topics for guides, courses, webinars and search facets."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from sqlalchemy import Column, ForeignKey, String, Table, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.content.revisions import Revisioned
from portal.extensions import Model, db


class Topic(Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_uz: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    @property
    def name(self) -> str:
        """The name in the page's language."""
        lang = str(get_locale() or "en")[:2]
        return str(getattr(self, f"name_{lang}", None) or self.name_en)


def topic_link_table(owner_table: str, owner_key: str) -> Table:
    """The many-to-many table between a content type and topics, e.g. ``material_topics``."""
    return Table(
        f"{owner_key.removesuffix('_id')}_topics",
        db.metadata,
        Column(owner_key, ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), primary_key=True),
        Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    )


#: The taxonomy every portal starts with: slug, Uzbek, Russian, English.
DEFAULT_TOPICS = (
    ("childrens-rights", "Bola huquqlari", "Права ребёнка", "Children's rights"),
    ("family", "Oila", "Семья", "Family"),
    ("crime-prevention", "Huquqbuzarliklar profilaktikasi", "Профилактика правонарушений",
     "Crime prevention"),
    ("mahalla-cooperation", "Mahalla bilan hamkorlik", "Сотрудничество с махаллей",
     "Mahalla cooperation"),
    ("community-policing", "Jamoatchilik bilan ishlash", "Работа с населением",
     "Community policing"),
    ("personal-data", "Shaxsga doir maʼlumotlar", "Персональные данные", "Personal data"),
    ("international-cooperation", "Xalqaro hamkorlik", "Международное сотрудничество",
     "International cooperation"),
    ("legal-aid", "Yuridik yordam", "Юридическая помощь", "Legal aid"),
)


def ensure_default_topics() -> int:
    """Add the default topics that are missing; returns how many were added."""
    existing = set(db.session.scalars(select(Topic.slug)))
    added = 0
    for position, (slug, uz, ru, en) in enumerate(DEFAULT_TOPICS):
        if slug not in existing:
            db.session.add(Topic(slug=slug, name_uz=uz, name_ru=ru, name_en=en, position=position))
            added += 1
    return added


def all_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.slug)))


class TopicsRevisioned(Revisioned):
    """Revisions that also keep the item's topics (as slugs): the history shows a change of
    topics and a restore brings them back. For guides and courses."""

    topics: list[Topic]

    def revision_snapshot(self) -> dict[str, Any]:
        data = super().revision_snapshot()
        data["topics"] = sorted(t.slug for t in self.topics)
        return data

    def apply_revision(self, data: dict[str, Any]) -> None:
        super().apply_revision(data)
        if "topics" in data:
            self.topics = list(db.session.scalars(
                select(Topic).where(Topic.slug.in_(data["topics"]))))
