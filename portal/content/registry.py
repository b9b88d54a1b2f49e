"""Places where content types announce themselves to shared pages (sitemap, feeds, home)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: Functions yielding absolute URLs of every live public item, for ``/sitemap.xml``.
sitemap_sources: list[Callable[[], Iterable[str]]] = []
