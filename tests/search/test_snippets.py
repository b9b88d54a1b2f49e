"""Result snippets: the passages with the words found, marked, escaped, cut at words."""

from __future__ import annotations

import re

from portal.search.query import SNIPPET_CHARS, SNIPPETS, snippet
from portal.search.text import term_of


def marked(html: str) -> list[str]:
    return re.findall(r'<b class="match">(.*?)</b>', html)


def test_every_form_of_the_word_is_marked_in_the_language_of_the_text() -> None:
    text = "Bolalarning huquqlari himoya qilinadi. Болалар ҳуқуқи ҳам."
    terms = {term_of("bolalar", "uz"), term_of("huquq", "uz")}
    assert marked(snippet(text, terms, "uz")) == ["Bolalarning", "huquqlari", "Болалар",
                                                  "ҳуқуқи"]


def test_markup_in_the_text_is_escaped() -> None:
    html = snippet("<script>alert(1)</script> deposit & rent", {term_of("deposit", "en")}, "en")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp; rent" in html


def test_the_passages_with_most_words_found_are_shown_in_the_order_of_the_text() -> None:
    filler = " ".join(["other words here"] * 30)
    text = f"deposit once. {filler} deposit deposit twice. {filler} rent deposit thrice deposit."
    html = snippet(text, {term_of("deposit", "en"), term_of("rent", "en")}, "en")
    passages = html.split(" … ")
    assert len(passages) == SNIPPETS
    assert [len(marked(p)) for p in passages] == [2, 3]
    assert all(len(re.sub("<[^>]+>", "", p)) <= SNIPPET_CHARS + 100 for p in passages)


def test_a_passage_starts_and_ends_with_whole_words() -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta deposit iota kappa lambda mu nu xi " \
           "omicron pi rho sigma tau"
    html = snippet(text, {term_of("deposit", "en")}, "en")
    words = re.sub("<[^>]+>", "", html).split()
    assert set(words) <= set(text.split())


def test_no_word_found_gives_no_snippet() -> None:
    assert snippet("Nothing to see here.", {term_of("deposit", "en")}, "en") == ""
