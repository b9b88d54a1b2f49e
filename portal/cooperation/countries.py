"""Countries by ISO 3166-1 alpha-2 code: the list from pycountry (the standard's own data),
the names from the CLDR through Babel, in the reader's language."""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale
from flask_babel import get_locale

#: Every officially assigned alpha-2 code; nothing else is a country here.
_ENGLISH: dict[str, str] = {c.alpha_2: c.name for c in pycountry.countries}
CODES: frozenset[str] = frozenset(_ENGLISH)


def normalise(code: str | None) -> str | None:
    """The code in upper case if it is an assigned one, else None."""
    code = (code or "").strip().upper()
    return code if code in CODES else None


@cache
def _names(language: str) -> dict[str, str]:
    territories = Locale.parse(language).territories
    return {code: territories.get(code) or _ENGLISH[code]
            for code in CODES}


def _language() -> str:
    return str(get_locale() or "en")[:2]


def name(code: str | None, language: str | None = None) -> str:
    """The country's name in *language* (the page's by default); an unknown code as it is."""
    if not code:
        return ""
    return _names(language or _language()).get(code, code)


def choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) for every country, ordered by name in the reader's language."""
    names = _names(language or _language())
    return sorted(names.items(), key=lambda item: item[1].casefold())
