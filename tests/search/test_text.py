"""Language analysis for the search index: apostrophes, scripts, stemming, a real Whoosh index."""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.index import Index
from whoosh.qparser import QueryParser
from whoosh.query import Or, Prefix

from portal.search.engine import Snapshot
from portal.search.text import (
    APOSTROPHE,
    LANGUAGES,
    analyzer,
    normalise_apostrophes,
    query_variants,
    spelling_analyzer,
    uz_cyrillic_to_latin,
    uz_stem,
)


def tokens(language: str, text: str) -> list[str]:
    return [t.text for t in analyzer(language)(text)]


def spelling_tokens(text: str) -> list[str]:
    return [t.text for t in spelling_analyzer()(text)]


# Apostrophes --------------------------------------------------------------------------------

OGIL = ["oʻgʻil", "o'g'il", "o‘g‘il", "o`g`il", "o’g’il", "oʼgʼil", "o´g´il", "oʹgʹil", "oʿgʿil"]


@pytest.mark.parametrize("spelling", OGIL)
def test_every_apostrophe_is_the_same_letter(spelling: str) -> None:
    assert normalise_apostrophes(spelling) == "o" + APOSTROPHE + "g" + APOSTROPHE + "il"
    assert re.fullmatch(r"\w+", normalise_apostrophes(spelling))
    assert tokens("uz", f"Uning {spelling}im bor") == ["uning", "oʻgʻil", "bor"]
    assert spelling_tokens(spelling.upper()) == ["oʻgʻil"]


def test_tutuq_belgisi_and_its_cyrillic_letter() -> None:
    forms = ["maʼno", "ma'no", "ma’no", "maʻno", "маъно", "МАЪНО"]
    assert {tuple(tokens("uz", form)) for form in forms} == {("maʻno",)}


def test_quotation_marks_do_not_glue_onto_words() -> None:
    assert normalise_apostrophes("'salom' dedi") == "'salom' dedi"
    assert normalise_apostrophes("‘huquq’ va ʻbolaʼ") == "'huquq' va 'bola'"
    assert tokens("uz", "'bolalar' ‘huquqlari’ `mahalla`") == ["bola", "huquq", "mahalla"]
    # -ng, then a closing quote: Uzbek has no "ngʻ".
    assert tokens("uz", "‘bolaning’") == ["bola"]
    assert spelling_tokens("'radio' ‘bolaning’ «kitob»") == ["radio", "bolaning", "kitob"]
    assert tokens("en", "‘rights’ 'law'") == ["right", "law"]


def test_word_final_g_apostrophe() -> None:
    assert normalise_apostrophes("tog' bog‘") == "togʻ bogʻ"
    spellings = ["togʻ", "tog'", "tog’", "тоғ", "togʻlar", "тоғларга"]
    assert {tuple(tokens("uz", s)) for s in spellings} == {("tog",)}
    # A quoted word ending in g: the same term as without the quote.
    assert tokens("uz", "'psixolog'") == tokens("uz", "psixolog")
    # The words field keeps the letter as written.
    assert spelling_tokens("tog' bog`i") == ["togʻ", "bogʻi"]


def test_highlight_offsets_survive_normalisation() -> None:
    text = "Bor o‘g‘il, Тошкентда ʻtogʼ"
    found = [(t.text, text[t.startchar:t.endchar]) for t in analyzer("uz")(text, chars=True)]
    assert found == [("bor", "Bor"), ("oʻgʻil", "o‘g‘il"), ("toshkent", "Тошкентда"),
                     ("tog", "togʼ")]


# Cyrillic to Latin --------------------------------------------------------------------------

@pytest.mark.parametrize(("cyrillic", "latin"), [
    ("болалар ҳуқуқлари", "bolalar huquqlari"),
    ("ўғил", "oʻgʻil"),
    ("ёшлар", "yoshlar"),
    ("шаҳар", "shahar"),
    ("мактаб", "maktab"),
    ("ер", "yer"),
    ("Ўзбекистон", "Oʻzbekiston"),
    ("ЎЗБЕКИСТОН РЕСПУБЛИКАСИ", "OʻZBEKISTON RESPUBLIKASI"),
    ("Шаҳар", "Shahar"),
    ("Чорсу, Ш", "Chorsu, Sh"),
    ("поезд", "poyezd"),
    ("Европа", "Yevropa"),
    ("объект", "obyekt"),
    ("маъно", "maʻno"),
    ("таълим", "taʻlim"),
    ("милиция", "militsiya"),
    ("конституция", "konstitutsiya"),
    ("цирк", "sirk"),
    ("инспекция", "inspeksiya"),
    ("қонун, жиноят, фуқаро", "qonun, jinoyat, fuqaro"),
    ("мактабгача таълим", "maktabgacha taʻlim"),
    ("Hello, 2024 йил!", "Hello, 2024 yil!"),
])
def test_cyrillic_to_latin(cyrillic: str, latin: str) -> None:
    assert uz_cyrillic_to_latin(cyrillic) == latin


def test_latin_text_is_left_alone() -> None:
    text = "Oʻzbekiston 'quoted' — 5.2"
    assert uz_cyrillic_to_latin(text) == text


def test_query_variants() -> None:
    assert query_variants("o'g'il") == ["oʻgʻil"]
    assert query_variants("Ўғил ҳуқуқи") == ["Ўғил ҳуқуқи", "Oʻgʻil huquqi"]
    assert query_variants("права") == ["права", "prava"]
    assert query_variants("") == [""]


# The Uzbek stemmer --------------------------------------------------------------------------

@pytest.mark.parametrize(("word", "stem"), [
    ("bolalar", "bola"),
    ("bolalarning", "bola"),
    ("bolalarga", "bola"),
    ("bolalaridan", "bola"),
    ("bolaning", "bola"),
    ("bolasi", "bola"),
    ("huquqlari", "huquq"),
    ("huquqlarini", "huquq"),
    ("huquqi", "huquq"),
    ("huquqlarimizning", "huquq"),
    ("mahallada", "mahalla"),
    ("mahalladan", "mahalla"),
    ("mahalladagi", "mahalla"),
    ("oilaga", "oila"),
    ("oilangiz", "oila"),
    ("maktabgacha", "maktab"),
    ("qishloqqa", "qishloq"),
    ("yurakka", "yurak"),
    ("kitobim", "kitob"),
    ("kitobing", "kitob"),
    ("kitobimiz", "kitob"),
    ("kitobingiz", "kitob"),
    ("oʻgʻillari", "oʻgʻil"),
    ("togʻlarda", "togʻ"),
    ("sudga", "sud"),
])
def test_uz_stem(word: str, stem: str) -> None:
    assert uz_stem(word) == stem


@pytest.mark.parametrize("word", [
    "bola", "huquq", "mahalla", "oila",
    "vatan",   # -tan would leave "va"
    "uning",   # -ning would leave "u"
    "ular",    # -lar would leave "u"
    "haqida", "haqidagi", "boshqa", "birga",  # would become other frequent words
    "modda", "qilgan", "bolalik",
    "2024", "ребёнка",
])
def test_uz_stem_leaves_alone(word: str) -> None:
    assert uz_stem(word) == word


def test_uz_stem_limits() -> None:
    # A stem's own ending-like letters go too, the same for every form of the word.
    assert uz_stem("kishi") == uz_stem("kishilar") == uz_stem("kishining") == "kish"
    # A vowel dropped before an ending is not put back.
    assert uz_stem("oʻgʻli") != uz_stem("oʻgʻil")
    assert uz_stem("moddasi") == uz_stem("moddalarga") == "modda"


# The analyzers ------------------------------------------------------------------------------

def test_uzbek_in_either_script_and_any_form_gives_the_same_terms() -> None:
    texts = ["болалар ҳуқуқлари", "bolalar huquqlari", "bola huquqlari",
             "bolalarning huquqlarini", "Bolalarning Huquqlarini", "БОЛАЛАРНИНГ ҲУҚУҚЛАРИНИ"]
    assert {tuple(tokens("uz", text)) for text in texts} == {("bola", "huquq")}


def test_russian_stems() -> None:
    assert len({*tokens("ru", "права правах право правами")}) == 1
    assert tokens("ru", "ребёнка") == tokens("ru", "ребенка") == tokens("ru", "РЕБЁНКА")
    # Snowball leaves the fleeting vowel: ребенок is another stem (ребенк / ребенок).
    assert tokens("ru", "ребенок") != tokens("ru", "ребенка")
    assert tokens("ru", "права и обязанности") == tokens("ru", "права обязанности")


def test_english_stems() -> None:
    assert tokens("en", "rights") == tokens("en", "right") == ["right"]
    assert tokens("en", "children's") == tokens("en", "children’s") == tokens("en", "children")
    # Irregular plurals are not stemmed to their singular.
    assert tokens("en", "children") != tokens("en", "child")
    assert tokens("en", "the rights of the child") == ["right", "child"]


def test_numbers_and_single_letters_are_kept() -> None:
    assert tokens("uz", "5-moddasi 12.3-band") == ["5", "modda", "12.3", "band"]
    assert tokens("uz", "moddalarida") == tokens("uz", "modda") == ["modda"]
    assert tokens("ru", "статья 5") == [*tokens("ru", "статья"), "5"]


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="xx"):
        analyzer("xx")


@pytest.mark.parametrize("language", LANGUAGES)
def test_analyzers_pickle(language: str) -> None:
    text = "Bolalarning o‘g‘il huquqlari, права ребёнка, children's rights"
    copy = pickle.loads(pickle.dumps(analyzer(language)))  # noqa: S301 - our own object
    assert copy is not analyzer(language)
    assert [t.text for t in copy(text)] == tokens(language, text)
    spelling = pickle.loads(pickle.dumps(spelling_analyzer()))  # noqa: S301
    assert [t.text for t in spelling(text)] == spelling_tokens(text)


# A real index -------------------------------------------------------------------------------

DOCUMENTS = [
    ("uz-latin", "uz", "Bolalarning huquqlari mahallada himoya qilinadi. "
                       "O‘g‘il va qiz farzandlar teng huquqli."),
    ("uz-cyrillic", "uz", "Ёшлар шаҳар мактабида таълим олади."),
    ("ru", "ru", "Права ребёнка защищены законом."),
    ("en", "en", "Children's rights are protected by the law."),
]


def schema() -> Schema:
    fields = {f"content_{language}": TEXT(analyzer=analyzer(language), stored=True)
              for language in LANGUAGES}
    return Schema(id=ID(stored=True, unique=True),
                  spelling=TEXT(analyzer=spelling_analyzer(), spelling=True), **fields)


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    ix = whoosh_index.create_in(str(tmp_path), schema())
    with ix.writer() as writer:
        for key, language, text in DOCUMENTS:
            words = normalise_apostrophes(text)
            if language == "uz":
                words = uz_cyrillic_to_latin(words)
            writer.add_document(id=key, spelling=words, **{f"content_{language}": text})
    ix.close()
    return tmp_path


@pytest.fixture
def ix(index_dir: Path) -> Iterator[Index]:
    ix = whoosh_index.open_dir(str(index_dir))
    yield ix
    ix.close()


def found(ix: Index, field: str, text: str) -> list[str]:
    with ix.searcher() as searcher:
        query = QueryParser(field, ix.schema).parse(text)
        return [hit["id"] for hit in searcher.search(query)]


@pytest.mark.parametrize("query", ["болалар ҳуқуқлари", "bola huquqi", "БОЛАЛАРГА ҲУҚУҚ",
                                   "mahalla", "маҳаллада"])
def test_uzbek_query_in_either_script_finds_latin_text(ix: Index, query: str) -> None:
    assert found(ix, "content_uz", query) == ["uz-latin"]


@pytest.mark.parametrize("query", ["yoshlar maktab", "shahar", "taʼlim", "ta'lim", "ёшлар"])
def test_latin_query_finds_cyrillic_text(ix: Index, query: str) -> None:
    assert found(ix, "content_uz", query) == ["uz-cyrillic"]


@pytest.mark.parametrize("query", OGIL + ["ўғил", "ОʻGʻIL", "oʻgʻillari"])
def test_apostrophe_variant_query_finds_the_document(ix: Index, query: str) -> None:
    assert found(ix, "content_uz", query) == ["uz-latin"]


@pytest.mark.parametrize("query", ["правах ребенка", "право", "ребёнка"])
def test_russian_inflected_query(ix: Index, query: str) -> None:
    assert found(ix, "content_ru", query) == ["ru"]


def test_english_query(ix: Index) -> None:
    assert found(ix, "content_en", "right children") == ["en"]


def marked(html: str) -> list[str]:
    return re.findall(r'<b class="match[^"]*">(.*?)</b>', html)


def test_cyrillic_query_highlights_the_latin_words(ix: Index) -> None:
    with ix.searcher() as searcher:
        query = QueryParser("content_uz", ix.schema).parse("болалар ҳуқуқлари ўғил")
        hits = searcher.search(query, terms=True)
        # "huquqli" (having rights) is a derived word: not marked.
        assert marked(hits[0].highlights("content_uz")) == ["Bolalarning", "huquqlari",
                                                            "O‘g‘il"]


def test_latin_query_highlights_the_cyrillic_words(ix: Index) -> None:
    with ix.searcher() as searcher:
        query = QueryParser("content_uz", ix.schema).parse("yoshlar maktabda")
        hits = searcher.search(query, terms=True)
        assert marked(hits[0].highlights("content_uz")) == ["Ёшлар", "мактабида"]


def test_schema_pickles_and_the_index_reopens(index_dir: Path) -> None:
    ix = whoosh_index.open_dir(str(index_dir))
    try:
        stored = ix.schema["content_uz"].analyzer
        assert stored is not analyzer("uz")  # unpickled from the index, not ours
        assert [t.text for t in stored("ўғиллари")] == ["oʻgʻil"]
        with ix.searcher() as searcher:
            query = QueryParser("content_uz", ix.schema).parse("o'g'illar")
            assert [hit["id"] for hit in searcher.search(query)] == ["uz-latin"]
    finally:
        ix.close()


def test_partial_words_in_the_spelling_field(ix: Index) -> None:
    def prefix(text: str) -> list[str]:
        query = Or([Prefix("spelling", variant.lower()) for variant in query_variants(text)])
        with ix.searcher() as searcher:
            return sorted(hit["id"] for hit in searcher.search(query))

    assert prefix("huquql") == ["uz-latin"]   # past the stem: the stemmed field has "huquq"
    assert prefix("ҳуқуқл") == ["uz-latin"]
    assert prefix("o'g'i") == ["uz-latin"]
    assert prefix("мактаби") == ["uz-cyrillic"]
    assert prefix("ребё") == ["ru"]


def test_did_you_mean_from_the_index(ix: Index) -> None:
    with ix.searcher() as searcher:
        snap = Snapshot(searcher)

        def closest(word: str) -> str:
            return snap.close_terms("spelling", word, 2)[0][0]

        assert closest("xuquqlari") == "huquqlari"
        assert closest("ogʻil") == "oʻgʻil"
        assert closest("mahalada") == "mahallada"
        assert closest("защищенны") == "защищены"
        assert snap.close_terms("spelling", "qwertyuiop", 2) == []
