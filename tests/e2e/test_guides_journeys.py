"""Journeys 1 and 2: guides.

1. An anonymous citizen reads a guide in Uzbek, switches to Russian, prints it and finds it by
   search: with the mouse at desktop and phone width, and with the keyboard alone.
2. An editor writes a guide, submits and publishes it, edits it, restores the first revision
   from the history, and the public page shows the restored text.

Every page of the journeys is checked with axe-core, for the role that sees it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.search import indexer
from tests.conftest import make_material, make_user
from tests.e2e.conftest import Live, accessible, fits, log_in, log_out, press, type_into

UZ_TITLE = "Ijarachining huquqlari"
UZ_BODY = ("## Qonun nima deydi\n\n"
           "Ijarachi shartnoma muddati tugaguncha uyda yashash huquqiga ega.\n\n"
           "## Uy egasi nima qila olmaydi\n\n"
           "Uy egasi ijara haqini oldindan ogohlantirmasdan oshira olmaydi.\n")
UZ_SENTENCE = "Ijarachi shartnoma muddati tugaguncha uyda yashash huquqiga ega."
#: An Uzbek word of the guide's text, and of no other page: what the citizen searches for.
UZ_WORD = "ogohlantirmasdan"

RU_TITLE = "Права нанимателя жилья"
RU_BODY = ("## Что говорит закон\n\n"
           "Наниматель вправе жить в квартире до окончания срока договора.\n\n"
           "## Чего не может наймодатель\n\n"
           "Наймодатель не может поднять плату без предупреждения.\n")
RU_SENTENCE = "Наниматель вправе жить в квартире до окончания срока договора."


def a_guide_in_uzbek_and_russian(live: Live) -> str:
    """A published guide in Uzbek with its Russian translation, both in the search index;
    the Uzbek guide's address."""
    with live.app.app_context():
        uzbek = make_material(UZ_TITLE, language="uz", body=UZ_BODY,
                              summary="Uy-joy ijarasi haqida qisqacha.")
        make_material(RU_TITLE, language="ru", body=RU_BODY,
                      summary="Коротко об аренде жилья.",
                      translation_group=uzbek.translation_group)
        indexer.sync_all()
        return f"/materials/{uzbek.slug}"


def guide_text(page: Any) -> Any:
    return page.locator("article.guide")


# Journey 1 with the mouse (or the finger), at both widths -------------------------------------


@pytest.mark.screens
def test_a_citizen_reads_a_guide_in_uzbek_and_russian_prints_it_and_finds_it(
        live: Live, page: Any, screen: str) -> None:
    address = a_guide_in_uzbek_and_russian(live)

    # The guides, in Uzbek: the citizen opens the one about tenants and reads it.
    page.goto(live.url("/materials/"))
    page.locator(".lang-switch").get_by_role("button", name="Oʻzbekcha").click()
    expect(page.locator("html")).to_have_attribute("lang", "uz")
    accessible(page, "the guides in Uzbek")
    fits(page)
    page.get_by_role("link", name=UZ_TITLE).click()
    page.wait_for_url(f"**{address}")
    expect(page.get_by_role("heading", level=1)).to_have_text(UZ_TITLE)
    expect(guide_text(page)).to_contain_text(UZ_SENTENCE)
    accessible(page, "the guide in Uzbek")
    fits(page)

    # The page in Russian: the guide offers its Russian version, which the citizen opens.
    page.locator(".lang-switch").get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    other_languages = page.get_by_role("navigation", name="Другие языки")
    expect(other_languages).to_contain_text("Также на языках:")
    other_languages.get_by_role("link", name="Русский").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RU_TITLE)
    expect(guide_text(page)).to_contain_text(RU_SENTENCE)
    expect(guide_text(page)).not_to_contain_text(UZ_SENTENCE)
    russian = page.url
    accessible(page, "the guide in Russian")
    fits(page)

    # Printing: the print version has the guide's text and nothing of the site around it.
    page.get_by_role("link", name="Версия для печати").click()
    page.wait_for_url("**/print")
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_have_text(RU_TITLE)
    expect(page.get_by_text(RU_SENTENCE)).to_be_visible()
    expect(page.get_by_role("navigation")).to_have_count(0)
    expect(page.locator("#site-q")).to_have_count(0)
    page.emulate_media(media="screen")
    accessible(page, "the print version")
    fits(page)

    # Back on the guide, the citizen searches the portal for a word of the Uzbek text.
    page.get_by_role("link", name="Вернуться к руководству").click()
    page.wait_for_url(russian)
    page.locator("#site-q").fill(UZ_WORD)
    page.locator(".site-search").get_by_role("button", name="Найти").click()
    page.wait_for_url(re.compile(r"/search\?q=" + UZ_WORD))
    results = page.locator("ol.results")
    expect(results.get_by_role("link", name=UZ_TITLE)).to_be_visible()
    accessible(page, "the search results")
    fits(page)

    results.get_by_role("link", name=UZ_TITLE).click()
    page.wait_for_url(f"**{address}")
    expect(page.get_by_role("heading", level=1)).to_have_text(UZ_TITLE)
    expect(guide_text(page)).to_contain_text(UZ_SENTENCE)


# Journey 1 with the keyboard alone -------------------------------------------------------------


def test_a_citizen_does_the_guide_journey_with_the_keyboard_alone(live: Live,
                                                                   page: Any) -> None:
    address = a_guide_in_uzbek_and_russian(live)
    page.goto(live.url("/materials/"))

    press(page, page.locator(".lang-switch").get_by_role("button", name="Oʻzbekcha"))
    expect(page.locator("html")).to_have_attribute("lang", "uz")

    press(page, page.get_by_role("link", name=UZ_TITLE))
    page.wait_for_url(f"**{address}")
    expect(guide_text(page)).to_contain_text(UZ_SENTENCE)

    # A button is pressed with the space bar.
    press(page, page.locator(".lang-switch").get_by_role("button", name="Русский"), "Space")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    press(page, page.get_by_role("navigation", name="Другие языки")
          .get_by_role("link", name="Русский"))
    expect(page.get_by_role("heading", level=1)).to_have_text(RU_TITLE)
    russian = page.url

    press(page, page.get_by_role("link", name="Версия для печати"))
    page.wait_for_url("**/print")
    expect(page.get_by_text(RU_SENTENCE)).to_be_visible()

    # Back to the guide by the print version's own link (hidden on paper).
    press(page, page.get_by_role("link", name="Вернуться к руководству"))
    page.wait_for_url(russian)
    type_into(page, page.locator("#site-q"), UZ_WORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=" + UZ_WORD))

    press(page, page.locator("ol.results").get_by_role("link", name=UZ_TITLE))
    page.wait_for_url(f"**{address}")
    expect(page.get_by_role("heading", level=1)).to_have_text(UZ_TITLE)
    expect(guide_text(page)).to_contain_text(UZ_SENTENCE)


# Journey 2: an editor ---------------------------------------------------------------------------

FIRST_TEXT = "A tenant may stay in the flat until the lease ends."
SECOND_TEXT = "A tenant must leave the flat within a week of a written notice."


@pytest.mark.screens
def test_an_editor_publishes_a_guide_then_restores_its_first_revision(live: Live, page: Any,
                                                                      screen: str) -> None:
    with live.app.app_context():
        make_user("editor", "editor@example.uz", name="Dilnoza Karimova")
    log_in(page, live, "editor@example.uz")

    # The editorial desk, and the form of a new guide.
    page.get_by_role("link", name="Editorial desk").click()
    page.wait_for_url("**/materials/manage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Editorial desk")
    accessible(page, "the editorial desk, for an editor")
    fits(page)
    page.get_by_role("link", name="Write a guide").click()
    page.wait_for_url("**/materials/new")
    accessible(page, "the form of a new guide")
    fits(page)

    main = page.locator("main")
    main.get_by_label("Title", exact=True).fill("Tenants and the end of a lease")
    main.get_by_label("Summary").fill("What a tenant may do when the lease ends.")
    main.get_by_label("Text", exact=True).fill(f"## What the law says\n\n{FIRST_TEXT}\n")
    main.get_by_label("Family").check()
    main.get_by_role("combobox", name="Language").select_option(label="English")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    accessible(page, "the form of a saved draft")

    # Submitted for review, then published (an editor may publish what they wrote).
    page.get_by_role("link", name="View the guide").click()
    staff = page.locator(".staff-box")
    expect(staff).to_contain_text("Draft")
    accessible(page, "a draft, for its editor")
    fits(page)
    staff.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("Done: Submit for review.")
    expect(staff).to_contain_text("In review")
    accessible(page, "a guide in review, for an editor")
    staff.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Done: Publish.")
    expect(staff).to_contain_text("Published")
    guide = page.url

    # A second revision.
    staff.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Edit: Tenants and the end of a lease")
    main.get_by_label("Text", exact=True).fill(f"## What the law says\n\n{SECOND_TEXT}\n")
    main.get_by_label("What changed").fill("Notice period")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    accessible(page, "the form of a published guide")
    fits(page)

    # The history: the changes between the revisions, then the first one restored.
    main.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "History: Tenants and the end of a lease")
    expect(page.locator("table tbody tr")).to_have_count(2)
    accessible(page, "the history")
    fits(page)
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Changes from revision 1 to 2")
    expect(page.locator("ins")).to_contain_text(SECOND_TEXT)
    expect(page.locator("del")).to_contain_text(FIRST_TEXT)
    accessible(page, "the changes between two revisions")
    fits(page)
    page.get_by_role("link", name="History").click()
    page.get_by_role("button", name="Restore revision 1").click()
    expect(page.get_by_role("status")).to_contain_text("Revision 1 is restored.")
    expect(page.locator("table tbody tr")).to_have_count(3)
    accessible(page, "the history after a restore")

    # What the public reads now is the first text.
    log_out(page)
    page.goto(guide)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tenants and the end of a lease")
    expect(guide_text(page)).to_contain_text(FIRST_TEXT)
    expect(guide_text(page)).not_to_contain_text(SECOND_TEXT)
    expect(page.locator(".staff-box")).to_have_count(0)
    accessible(page, "the restored guide, for the public")
    fits(page)
