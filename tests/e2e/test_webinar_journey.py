"""Journey 4: a visitor registers for a full webinar, lands on the waiting list, is promoted
when the seated participant cancels through the link in their mail, and downloads the .ics;
at desktop and phone width, every page checked with axe-core, and once by keyboard alone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENS, Live, accessible, fits, press, tab_to, type_into
from tests.webinars.helpers import (
    JOIN_URL,
    events,
    make_webinar,
    outbox,
    parse_ics,
    register,
    statuses,
)

TITLE = "Mahalla mediation online"
SEATED = "farrux@example.uz"
VISITOR = "nilufar@example.uz"
VISITOR_NAME = "Nilufar Karimova"


def full_webinar(live: Live) -> int:
    """A published webinar with one seat, taken by a participant already confirmed."""
    webinar_id = make_webinar(live.app, TITLE, capacity=1)
    register(live.app, webinar_id, SEATED, "Farrux Qodirov")
    assert statuses(live.app, webinar_id) == {SEATED: "confirmed"}
    return webinar_id


def mailed_page(live: Live, body: str) -> str:
    """The registration page a mail links to, on the running portal (mails link to the
    portal's public address)."""
    found = re.search(r"https?://\S+/webinars/\d+/registration/[A-Za-z0-9_.\-]+", body)
    assert found, body
    return live.url(urlsplit(found.group(0)).path)


def promotion_link(live: Live) -> str:
    """The visitor's registration page, from the mail that gives them the seat."""
    [promotion] = [m for m in outbox(live.app, VISITOR) if m.attachment_name]
    assert promotion.subject == f"A seat is yours: {TITLE}"
    return mailed_page(live, promotion.body)


def the_seated_participant_cancels(live: Live, page: Any, screen: str) -> None:
    """The confirmed participant, in their own browser, opens the link of their confirmation
    mail and cancels: the seat goes to the visitor."""
    [confirmation] = [m for m in outbox(live.app, SEATED) if not m.key]
    context = page.context.browser.new_context(
        locale="en-GB", viewport=SCREENS[screen], is_mobile=screen == "phone",
        has_touch=screen == "phone")
    context.set_default_timeout(15_000)
    try:
        theirs = context.new_page()
        theirs.goto(mailed_page(live, confirmation.body))
        expect(theirs.locator(".tag-confirmed")).to_have_text("Registered")
        accessible(theirs, "the seated participant's registration page (cancel)")
        fits(theirs)
        theirs.get_by_role("button", name="Cancel my registration").click()
        expect(theirs.get_by_role("status")).to_contain_text("Your registration is cancelled.")
        expect(theirs.locator(".tag-cancelled")).to_have_text("Cancelled")
        accessible(theirs, "the registration page after cancelling")
        fits(theirs)
    finally:
        context.close()


def the_calendar_entry(download: Any, webinar_id: int) -> None:
    assert download.suggested_filename == f"webinar-{webinar_id}.ics"
    [event] = events(parse_ics(Path(download.path()).read_bytes()))
    assert str(event["SUMMARY"]) == TITLE
    assert JOIN_URL in str(event.get("DESCRIPTION", "")) + str(event.get("LOCATION", ""))


@pytest.mark.screens
def test_a_visitor_waits_for_a_full_webinar_is_promoted_and_downloads_the_ics(
        live, page, screen) -> None:
    webinar_id = full_webinar(live)

    # The webinar page says it is full: registering means the waiting list.
    page.goto(live.url(f"/webinars/{webinar_id}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#page-register")).to_contain_text(
        "Full: you will join the waiting list.")
    accessible(page, "the webinar page")
    fits(page)

    page.get_by_label("Your name").fill(VISITOR_NAME)
    page.get_by_label("Email", exact=True).fill(VISITOR)
    page.get_by_label("I agree that the portal keeps my name and email").check()
    page.get_by_role("button", name="Register").click()

    # The result: her registration page says she is on the waiting list, without join link.
    page.wait_for_url("**/registration/**")
    expect(page.get_by_role("status")).to_contain_text(
        "The webinar is full: you are on the waiting list.")
    expect(page.locator(".tag-waiting")).to_have_text("On the waiting list")
    expect(page.get_by_text("You are number 1 on the waiting list.")).to_be_visible()
    expect(page.get_by_role("link", name="Join the webinar")).to_have_count(0)
    accessible(page, "the registration result (waiting list)")
    fits(page)

    the_seated_participant_cancels(live, page, screen)
    assert statuses(live.app, webinar_id) == {SEATED: "cancelled", VISITOR: "confirmed"}

    # The mail about her seat leads to her registration page: registered, with the join link.
    page.goto(promotion_link(live))
    expect(page.locator(".tag-confirmed")).to_have_text("Registered")
    expect(page.get_by_role("link", name="Join the webinar")).to_have_attribute(
        "href", JOIN_URL)
    accessible(page, "the promoted visitor's registration page")
    fits(page)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    the_calendar_entry(downloading.value, webinar_id)


def test_the_visitor_s_part_by_keyboard_alone(live, page) -> None:
    webinar_id = full_webinar(live)

    page.goto(live.url(f"/webinars/{webinar_id}"))
    expect(page.locator("#page-register")).to_contain_text(
        "Full: you will join the waiting list.")
    type_into(page, page.get_by_label("Your name"), VISITOR_NAME)
    type_into(page, page.get_by_label("Email", exact=True), VISITOR)
    consent = page.get_by_label("I agree that the portal keeps my name and email")
    press(page, consent, "Space")
    expect(consent).to_be_checked()
    press(page, page.get_by_role("button", name="Register"))

    page.wait_for_url("**/registration/**")
    expect(page.locator(".tag-waiting")).to_have_text("On the waiting list")
    accessible(page, "the registration result (waiting list)")

    the_seated_participant_cancels(live, page, "desktop")

    page.goto(promotion_link(live))
    expect(page.locator(".tag-confirmed")).to_have_text("Registered")
    tab_to(page, page.get_by_role("link", name="Join the webinar"))
    calendar = page.get_by_role("link", name="Add to calendar (.ics)")
    tab_to(page, calendar)
    with page.expect_download() as downloading:
        page.keyboard.press("Enter")
    the_calendar_entry(downloading.value, webinar_id)
