"""Language analysis for the search index: words, Uzbek apostrophes and scripts, stemming.

Each language has its own Whoosh analyzer (:func:`analyzer`):

* ``uz``: a word may be written with any apostrophe (``oʻ o' o‘ o` o’``, the tutuq belgisi
  ``ʼ`` or ``'``), in Latin or Cyrillic letters; the analyzer brings every spelling to one form
  (Latin letters, one apostrophe, :data:`APOSTROPHE`) and strips common noun endings
  (:func:`uz_stem`), so ``болалар ҳуқуқлари``, ``bolalar huquqlari`` and
  ``bolalarning huquqlarini`` give the same terms.
* ``ru``: ``ё`` read as ``е``, Russian stop words, the Snowball Russian stemmer.
* ``en``: any apostrophe read as ``'``, English stop words, the Snowball (Porter 2) stemmer.

:func:`spelling_analyzer` keeps words whole (lower case, one apostrophe, either script): for
the field of partial words and "did you mean". :func:`query_variants` gives what a query
should be searched as: also in Latin letters when it was typed in Cyrillic.

The tokenisers read the original text and the filters change only a token's text, never its
place, so highlighting marks the words as they were written (a Cyrillic query highlights the
Latin words it found).

Whoosh keeps the schema, analyzers included, pickled in the index: the classes and functions
here are looked up by their module and name when an index is opened. Renaming or moving one
means rebuilding the index (``flask search reindex``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language

LANGUAGES = ("uz", "ru", "en")

#: The one apostrophe of indexed Uzbek: U+02BB MODIFIER LETTER TURNED COMMA, the ``ʻ`` of
#: ``oʻ`` and ``gʻ`` in the official alphabet. It is a letter (category Lm), so ``\\w`` and
#: :meth:`str.isalnum` count it as part of a word. The tutuq belgisi (``ʼ``, Cyrillic ``ъ``)
#: becomes the same character: people type ``'`` for both.
APOSTROPHE = "\u02bb"

#: Everything people type for an Uzbek apostrophe (or use as a single quotation mark).
APOSTROPHES = (
    "'"          # U+0027 APOSTROPHE
    "`"          # U+0060 GRAVE ACCENT
    "\u00b4"     # ´ ACUTE ACCENT
    "\u02b9"     # ʹ MODIFIER LETTER PRIME
    "\u02bb"     # ʻ MODIFIER LETTER TURNED COMMA
    "\u02bc"     # ʼ MODIFIER LETTER APOSTROPHE
    "\u02bd"     # ʽ MODIFIER LETTER REVERSED COMMA
    "\u02be"     # ʾ MODIFIER LETTER RIGHT HALF RING
    "\u02bf"     # ʿ MODIFIER LETTER LEFT HALF RING
    "\u02c8"     # ˈ MODIFIER LETTER VERTICAL LINE
    "\u2018"     # ‘ LEFT SINGLE QUOTATION MARK
    "\u2019"     # ’ RIGHT SINGLE QUOTATION MARK
    "\u201b"     # ‛ SINGLE HIGH-REVERSED-9 QUOTATION MARK
    "\u2032"     # ′ PRIME
)

_A = "[" + re.escape(APOSTROPHES) + "]"
#: A word character that is not an apostrophe (``\\w`` alone would take ``ʻ`` and ``ʼ``).
_L = r"[^\W" + re.escape(APOSTROPHES) + "]"
#: An apostrophe that ends a word is kept only after ``g`` (``togʻ``, ``bogʻ``), and not after
#: ``ng`` (Uzbek has no ``ngʻ``: ``'bolaning'`` is a quoted word): elsewhere it is a closing
#: quotation mark. ``oʻ`` never ends an Uzbek word (but for the rare interjection).
_FINAL = r"(?<=[gG])(?<![nN][gG])"

#: Uzbek (and the words field): letters joined by apostrophes, ``gʻ`` at the end.
UZ_WORD = rf"\d+(?:\.\d+)+|{_L}+(?:{_A}{_L}+)*(?:{_FINAL}{_A}(?!{_L}))?"
#: Russian: apostrophes separate words.
RU_WORD = rf"\d+(?:\.\d+)+|{_L}+"
#: English: apostrophes inside a word (``don't``, ``children's``) keep it whole.
EN_WORD = rf"\d+(?:\.\d+)+|{_L}+(?:{_A}{_L}+)*"

#: An apostrophe, in group ``word`` when it belongs to a word.
_APOSTROPHE_IN_CONTEXT = re.compile(rf"(?P<word>(?<={_L}){_A}(?={_L})|{_FINAL}{_A}(?!{_L}))|{_A}")
_ANY_APOSTROPHE = re.compile(_A)
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def normalise_apostrophes(text: str) -> str:
    """Every apostrophe of an Uzbek word as :data:`APOSTROPHE`; quotation marks as ``'``.

    An apostrophe between two letters (``o'g'il``, ``ma’no``) or after a final ``g`` (``tog'``)
    belongs to the word. Any other (``'quoted'``, ``‘quoted’``) is a quotation mark and becomes
    a plain ``'``, which no tokeniser takes for part of a word, so it never glues onto one.
    """
    return _APOSTROPHE_IN_CONTEXT.sub(_apostrophe_or_quote, text)


def _apostrophe_or_quote(match: re.Match[str]) -> str:
    return APOSTROPHE if match.group("word") else "'"


# Uzbek Cyrillic to Latin -------------------------------------------------------------------

_CYRILLIC_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "g" + APOSTROPHE, "д": "d", "ё": "yo",
    "ж": "j", "з": "z", "и": "i", "й": "y", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "о": "o", "ў": "o" + APOSTROPHE, "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "x", "ҳ": "h", "ч": "ch", "ш": "sh", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Not Uzbek letters, found in Russian words within Uzbek text.
    "щ": "sh", "ы": "i",
}
_VOWELS = frozenset("аеёиоуўэюяы")
_IOTATED = frozenset("еёюя")


def _cyrillic_letter(text: str, i: int) -> str:
    """The Latin for the lower-case Cyrillic letter at *text[i]*, by its neighbours."""
    letter = text[i].lower()
    before = text[i - 1].lower() if i else ""
    after = text[i + 1].lower() if i + 1 < len(text) else ""
    if letter == "е":
        at_start = not before.isalpha()
        return "ye" if at_start or before in _VOWELS or before in "ъь" else "e"
    if letter == "ц":
        return "ts" if before in _VOWELS else "s"
    if letter == "ъ":
        # Before е, ё, ю, я (объект) it only separates: the vowel brings its own "y".
        return "" if after in _IOTATED else APOSTROPHE
    return _CYRILLIC_LATIN.get(letter, text[i])


def uz_cyrillic_to_latin(text: str) -> str:
    """Uzbek Cyrillic letters in *text* as the Latin alphabet of 1995 writes them.

    ``е`` is ``ye`` at the start of a word and after a vowel, ``ъ`` or ``ь`` (``ер`` yer,
    ``поезд`` poyezd), ``e`` elsewhere; ``ц`` is ``ts`` after a vowel and ``s`` elsewhere, as
    the spelling rules have it (``милиция`` militsiya, ``конституция`` konstitutsiya, ``цирк``
    sirk, ``акция`` aksiya); ``ъ`` is the apostrophe (``маъно`` maʻno) but is dropped before
    ``е ё ю я`` (``объект`` obyekt); ``ь`` is dropped. ``ғ`` and ``ў`` give ``gʻ`` and ``oʻ``
    with :data:`APOSTROPHE` (and so does ``ъ``). A capital stays a capital, two-letter sounds
    as ``Sh`` in a word, ``SH`` in a word in capitals. Other characters are left alone.
    """
    if not _CYRILLIC.search(text):
        return text
    out: list[str] = []
    for i, char in enumerate(text):
        if not ("\u0400" <= char <= "\u04ff"):
            out.append(char)
            continue
        latin = _cyrillic_letter(text, i)
        if char.isupper() and latin:
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            capitals = after.isupper() or (not after.isalpha() and before.isupper())
            latin = latin.upper() if capitals else latin[0].upper() + latin[1:]
        out.append(latin)
    return "".join(out)


def query_variants(text: str) -> list[str]:
    """What to search the Uzbek field for: *text* with its apostrophes normalised, then, when
    it has Cyrillic letters, the same in Latin letters (the last item is always the Latin one).
    Letter case is kept; the analyzers lower-case."""
    text = normalise_apostrophes(text)
    if not _CYRILLIC.search(text):
        return [text]
    latin = uz_cyrillic_to_latin(text)
    return [text, latin] if latin != text else [text]


# The Uzbek stemmer --------------------------------------------------------------------------

#: Noun endings :func:`uz_stem` strips, longest first: case (-ning -ni -ga/-ka/-qa -da/-ta
#: -dan/-tan -gacha, -dagi), possessive (-im -ing -i/-si -imiz -ingiz, after a vowel -miz
#: -ngiz, -lari) and plural (-lar). Combinations (-larning, -laridan, -imizga, ...) come off
#: one ending at a time.
UZ_SUFFIXES = tuple(sorted(
    ("gacha", "dagi", "ning", "dan", "tan", "ni", "ga", "ka", "qa", "da", "ta",
     "ingiz", "ngiz", "imiz", "miz", "lari", "ing", "im", "si", "i",
     "lar"),
    key=len, reverse=True))
#: Shortest stem left, in letters (the apostrophe not counted).
UZ_MIN_STEM = 3
#: Stems never shortened further: frequent words that end like an ending, whose stem would
#: be another word or would read badly. ``moddasi`` stops at ``modda``, not ``mod``.
UZ_KEEP = frozenset({
    "haqida",   # about: not haq (right, truth)
    "haqidagi",
    "boshqa",   # other: not bosh (head, chief)
    "birga",    # together: not bir (one)
    "hamda",    # and
    "hali",     # yet: not hal (solution)
    "modda",    # article (of a law)
    "qoida",    # rule
    "foyda",    # benefit
})
_UZ_LATIN_WORD = re.compile(f"[a-z{APOSTROPHE}]+")


@functools.lru_cache(maxsize=50_000)
def uz_stem(word: str) -> str:
    """The stem of a lower-case Uzbek Latin noun: :data:`UZ_SUFFIXES` stripped, the longest
    that fits first, one after another while the stem keeps :data:`UZ_MIN_STEM` letters.

    ``bolalarning`` bola, ``huquqlarini`` huquq, ``mahallada`` mahalla, ``oilaga`` oila.

    Limits: it knows nothing of the stem, so it also strips a stem's own last letters when they
    look like an ending (``kishi`` kish, ``ichki`` ichk): every form of such a word gets the
    same stem, so they still find each other. A few frequent words are never shortened past
    themselves (:data:`UZ_KEEP`: ``haqida`` is not ``haq``, ``moddasi`` is ``modda``). Vowels
    dropped before an ending are not put back (``oʻgʻli`` is not ``oʻgʻil``; ``shahri``,
    ``burni`` likewise). Verbs are not conjugated back: ``qilgan`` and ``qilingan`` stay,
    ``qiladi`` and ``keldi`` lose their ``-i`` as a noun would. Derived words keep their suffix
    (``bolalik``, ``huquqli`` are not ``bola``, ``huquq``). Words with digits or other letters
    than lower-case Uzbek Latin are returned unchanged.
    """
    if not _UZ_LATIN_WORD.fullmatch(word):
        return word
    stem = word
    while stem not in UZ_KEEP:
        for suffix in UZ_SUFFIXES:
            if stem.endswith(suffix):
                rest = stem[: -len(suffix)]
                if len(rest.replace(APOSTROPHE, "")) >= UZ_MIN_STEM:
                    stem = rest
                    break
        else:
            return stem
    return stem


# Whoosh filters (module-level classes: Whoosh pickles them into the index) ----------------

Token = Any


def _strip_final_apostrophe(text: str) -> str:
    return text.rstrip(APOSTROPHE)


class ApostropheFilter(Filter):
    """Apostrophes of a word as :data:`APOSTROPHE`."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = normalise_apostrophes(t.text)
            yield t


class UzbekLatinFilter(Filter):
    """Apostrophes normalised, Cyrillic to Latin, no apostrophe at the end of a term.

    A word's final apostrophe goes: ``togʻ`` and ``tog'`` are ``tog``, as is a word some
    closing quotation mark was glued onto. Tokens left empty (a lone ``ъ``) are dropped.
    """

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            text = _uz_latin_term(t.text)
            if text:
                t.text = text
                yield t


@functools.lru_cache(maxsize=200_000)
def _uz_latin_term(word: str) -> str:
    """One word as :class:`UzbekLatinFilter` makes it (cached: words repeat a great deal, and
    highlighting analyses the results' text again on every search)."""
    return _strip_final_apostrophe(uz_cyrillic_to_latin(normalise_apostrophes(word)))


class UzbekStemFilter(Filter):
    """:func:`uz_stem` on each token (a morphological filter: skipped with ``no_morph``)."""

    is_morph = True

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.stopped:
                t.text = _strip_final_apostrophe(uz_stem(t.text)) or t.text
            yield t


class YoFilter(Filter):
    """``ё`` as ``е``: Russian is mostly written without the dots."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = t.text.replace("ё", "е")
            yield t


class EnglishApostropheFilter(Filter):
    """Any apostrophe as ``'``, the one the English stemmer knows (``children’s``)."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = _ANY_APOSTROPHE.sub("'", t.text)
            yield t


_RU_STEMMER = stemmer_for_language("ru")
_EN_STEMMER = stemmer_for_language("en")


@functools.lru_cache(maxsize=50_000)
def ru_stem(word: str) -> str:
    """Snowball Russian (``права``, ``правах``, ``право``: ``прав``)."""
    return str(_RU_STEMMER(word))


@functools.lru_cache(maxsize=50_000)
def en_stem(word: str) -> str:
    """Snowball English, Porter 2 (``rights``: ``right``)."""
    return str(_EN_STEMMER(word))


#: Between the two words of a pair term (a space: never part of a word).
PAIR = " "


class PairFilter(Filter):
    """Each word, then the word before it and it as one term (``bola huquq``): a phrase is
    found as its pairs of neighbouring words, without keeping every word's position (a
    phrase query that reads positions walks every document that has all the words). Stop
    words are not words here: ``права и ребёнка`` has the pair ``прав ребенк``, as the
    query ``"права ребёнка"`` does."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        previous = None
        for t in tokens:
            yield t
            if t.stopped:
                continue
            text = t.text
            if previous is not None:
                t.text = f"{previous}{PAIR}{text}"
                yield t
                t.text = text
            previous = text


@functools.cache
def indexing_analyzer(language: str) -> Analyzer:
    """The analyzer of *language*'s title and body fields: :func:`analyzer`'s words, and
    their pairs (:class:`PairFilter`)."""
    return analyzer(language) | PairFilter()


@functools.cache
def analyzer(language: str) -> Analyzer:
    """The analyzer of *language*'s text fields, for indexing and for queries alike.

    One instance per language, shared: analyzers keep no state between calls, and the stem
    caches are :func:`functools.lru_cache` (safe across threads, unlike Whoosh's own).
    """
    if language == "uz":
        return (RegexTokenizer(UZ_WORD) | LowercaseFilter() | UzbekLatinFilter()
                | UzbekStemFilter())
    if language == "ru":
        return (RegexTokenizer(RU_WORD) | LowercaseFilter() | YoFilter()
                | StopFilter(stoplist=_stoplist("ru"), minsize=1)
                | StemFilter(ru_stem, cachesize=None))
    if language == "en":
        return (RegexTokenizer(EN_WORD) | LowercaseFilter() | EnglishApostropheFilter()
                | StopFilter(stoplist=_stoplist("en"), minsize=1)
                | StemFilter(en_stem, cachesize=None))
    raise ValueError(f"no analyzer for language {language!r}")


_WORDS = {"uz": re.compile(UZ_WORD), "ru": re.compile(RU_WORD), "en": re.compile(EN_WORD)}


def words_in(text: str, language: str) -> Iterator[re.Match[str]]:
    """The words of *text* as *language*'s analyzer splits it, with their places."""
    return _WORDS[language].finditer(text)


@functools.lru_cache(maxsize=100_000)
def term_of(word: str, language: str) -> str | None:
    """The term *language*'s analyzer makes of one word (None: a stop word, or nothing)."""
    return next((token.text for token in analyzer(language)(word)), None)


def _stoplist(language: str) -> frozenset[str]:
    words = stopwords_for_language(language)
    return frozenset(word.replace("ё", "е") for word in words)


@functools.cache
def spelling_analyzer() -> Analyzer:
    """Words whole, for partial words and "did you mean": lower case, apostrophes normalised,
    no stemming, no stop words. Cyrillic stays Cyrillic (Russian is written in it); put Uzbek
    text through :func:`uz_cyrillic_to_latin` before it reaches this analyzer."""
    return RegexTokenizer(UZ_WORD) | LowercaseFilter() | ApostropheFilter()
