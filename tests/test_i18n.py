"""Three languages: every UI string translated, the choice kept, error pages in each language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("uz", "ru", "en")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    """Every translatable string in the code and templates, as pybabel extracts them."""
    method_map = [("portal/**.py", "python"), ("portal/templates/**.html", "jinja2"),
                  ("portal/templates/**.xml", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue(lang: str):
    with open(ROOT / "portal" / "translations" / lang / "LC_MESSAGES" / "messages.po",
              encoding="utf-8") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_ui_string_is_translated(lang: str) -> None:
    messages = source_messages()
    cat = catalogue(lang)

    missing = sorted(m for m in messages if m not in cat or not cat[m].string
                     or (isinstance(cat[m].string, tuple) and not all(cat[m].string))
                     or cat[m].fuzzy)

    assert len(messages) > 100
    assert missing == [], f"{len(missing)} untranslated in {lang}: {missing[:10]}"


def translated(lang: str, msgid: str) -> str:
    return str(catalogue(lang)[msgid].string)


def test_first_visit_follows_accept_language(client) -> None:
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})

    assert '<html lang="ru">' in page.get_data(as_text=True)
    assert translated("ru", "Legal guides") in page.get_data(as_text=True)


def test_language_switch_is_kept_in_the_session(client) -> None:
    response = client.post("/language", data={"lang": "en", "next": "/materials/"})

    assert response.headers["Location"] == "/materials/"
    page = client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_language_switch_is_saved_in_the_profile(app, client, as_role, auth) -> None:
    as_role("citizen", "polyglot@example.uz")

    client.post("/language", data={"lang": "ru"})
    auth.logout()
    fresh = app.test_client()
    fresh.post("/auth/login", data={"email": "polyglot@example.uz",
                                    "password": "Lantern-river-42"})

    assert '<html lang="ru">' in fresh.get("/", headers={"Accept-Language": "en"}).get_data(
        as_text=True)


def test_uzbek_is_the_default_and_an_unknown_language_is_ignored(client) -> None:
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")
    client.post("/language", data={"lang": "xx"})

    assert '<html lang="uz">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_error_pages_speak_each_language(client, lang: str) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": lang})

    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert f'<html lang="{lang}">' in page
    assert translated(lang, "Page not found") in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_forbidden_page_speaks_each_language(app, client, as_role, lang) -> None:
    as_role("citizen")
    client.post("/language", data={"lang": lang})

    response = client.get("/admin/users")

    assert response.status_code == 403
    assert translated(lang, "Not allowed") in response.get_data(as_text=True)


def test_ui_is_translated_not_only_marked(client) -> None:
    """The Russian and Uzbek pages differ from the English one."""
    pages = {lang: client.get("/auth/login", headers={"Accept-Language": lang}).get_data(
        as_text=True) for lang in LANGUAGES}

    assert translated("ru", "Log in") in pages["ru"]
    assert translated("uz", "Log in") in pages["uz"]
    assert translated("ru", "Log in") != "Log in" != translated("uz", "Log in")


def test_demo_user_fixture_language(app) -> None:
    with app.app_context():
        assert make_user("citizen", "lang@example.uz", language="en").language == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_every_placeholder(lang: str) -> None:
    """A translation that drops or renames %(name)s breaks the page at run time."""
    import re

    broken = []
    for message in catalogue(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[-1]))
        for text in strings:
            found = set(re.findall(r"%\((\w+)\)s", text))
            # A plural form may leave the count out ("one course"), never add or rename.
            if not (found == wanted or (len(ids) > 1 and found <= wanted)):
                broken.append((ids[0], text))

    assert broken == []
