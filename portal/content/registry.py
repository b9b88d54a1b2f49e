"""Places where content types announce themselves to shared pages (sitemap, feeds, home)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    return Markup("").join(Markup(section(item_type, item_id))  # noqa: S704 - rendered templates
                           for section in related_sections)
