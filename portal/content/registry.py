"""Places where content types announce themselves to shared pages (sitemap, feeds, home)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: Functions yielding absolute URLs of every live public item, for ``/sitemap.xml``.
sitemap_sources: list[Callable[[], Iterable[str]]] = []

#: Functions rendering a section of a user's "My learning" page from another domain (the
#: webinars they attended, with credit hours); each gets the user and returns HTML.
learning_sections: list[Callable[[Any], str]] = []
