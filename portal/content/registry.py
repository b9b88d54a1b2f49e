"""Places where content types announce themselves to shared pages (sitemap, feeds, home)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

#: Functions yielding absolute URLs of every live public item, for ``/sitemap.xml``.
sitemap_sources: list[Callable[[], Iterable[str]]] = []

#: Functions rendering a section of a user's "My learning" page from another domain (the
#: webinars they attended, with credit hours); each gets the user and returns HTML.
learning_sections: list[Callable[[Any], str]] = []

#: Functions rendering a section on another content type's page (the cooperation records that
#: link to a course or a webinar); each gets the item's type (``"course"``, ``"webinar"``) and
#: id and returns HTML, empty when it has nothing to show. Templates call ``related_sections``.
related_sections: list[Callable[[str, int], str]] = []


def render_related(item_type: str, item_id: int) -> Markup:
    # Each section is a template rendered with autoescaping: already safe HTML.
    return Markup("").join(Markup(section(item_type, item_id))  # noqa: S704  # nosec B704
                           for section in related_sections)


#: Functions listing the live guides of a shared content topic (its slug) that the current
#: user may read, as :class:`GuideLink`; each gets the topic's slug, the page's language (its
#: guides first, one version per translation) and a limit. The consultation intake suggests
#: them ("these may already answer your question") without importing the guides' domain.
guide_sources: list[Callable[[str, str, int], Iterable[GuideLink]]] = []

#: Functions rendering a section of a user's account page from another domain (their
#: consultation requests); each gets the user and returns HTML, empty when it has nothing.
account_sections: list[Callable[[Any], str]] = []


@dataclass(frozen=True)
class GuideLink:
    """A guide as another domain may show it: no model, plain values."""

    title: str
    summary: str
    url: str
    language: str


def guides_for_topic(topic_slug: str, language: str, limit: int = 6) -> list[GuideLink]:
    """The live guides of *topic_slug* from every registered source, at most *limit*."""
    found: list[GuideLink] = []
    for source in guide_sources:
        found.extend(source(topic_slug, language, limit))
    return found[:limit]


def render_account(user: Any) -> Markup:
    # Each section is a template rendered with autoescaping: already safe HTML.
    return Markup("").join(Markup(section(user))  # noqa: S704  # nosec B704
                           for section in account_sections)
