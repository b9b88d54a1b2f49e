"""Markdown to safe HTML: markdown-it-py with raw HTML off, then nh3 on the result."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.anchors import anchors_plugin


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: Markup
    toc: list[Heading]


def _slug(text: str) -> str:
    """A heading's id. Ids of the page around the text start with "page-": never collide."""
    from portal.content.slugs import make_slug

    slug = make_slug(text, max_length=60)
    return f"s-{slug}" if slug.startswith("page-") else slug


_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .use(anchors_plugin, min_level=1, max_level=3, slug_func=_slug)
)

_ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "del",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h2": {"id"}, "h3": {"id"},
}


def render(text: str) -> Rendered:
    """Render Markdown; script, event handlers and ``javascript:`` links never survive."""
    tokens = _md.parse(text or "")
    toc = []
    for i, token in enumerate(tokens):
        # "#" in the body becomes h2: the page title is the only h1. Done on the tokens, because
        # nh3 drops an <h1> tag (keeping its bare text) before any later rewrite could see it.
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
        if token.type == "heading_open" and token.attrGet("id"):
            # The heading's words without Markdown marks: "**Rights**" lists as "Rights".
            words = "".join(child.content for child in tokens[i + 1].children or []
                            if child.type in ("text", "code_inline"))
            toc.append(Heading(int(token.tag[1]), str(token.attrGet("id")), words))
    html = _md.renderer.render(tokens, _md.options, {})
    clean = nh3.clean(
        html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer",
    )
    # Cleaned by nh3 above: only allow-listed tags, attributes and URL schemes remain.
    return Rendered(Markup(clean), toc)  # noqa: S704  # nosec B704


def reading_minutes(text: str, words_per_minute: int = 180) -> int:
    """Estimated reading time in whole minutes, at least one."""
    words = len(re.findall(r"\w+", text or ""))
    return max(1, math.ceil(words / words_per_minute))
