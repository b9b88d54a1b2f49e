"""Journey 6: an anonymous citizen asks for a consultation from the header, past the
suggested guides, keeps the reference and the tracking code, tracks the request; a consultant
takes it from the queue and replies in their own browser; the citizen reloads the tracking page
and reads the reply. At desktop and phone width, every page checked with axe-core, a form
error announced with its field, and the citizen's part once by keyboard alone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import make_material
from tests.consultations.helpers import staff
from tests.e2e.conftest import SCREENS, Live, accessible, fits, log_in, press, tab_to, type_into

ASKER = "Malika Yoqubova"
PHONE = "+998 93 555 44 33"
QUESTION = "My husband wants to take our daughter abroad without my consent. Can he?"
REPLY = "No: a child leaves the country with both parents' written consent."
GUIDE = "Taking a child abroad: whose consent is needed"
TOPIC = "Family and children's upbringing"
CONSULTANT = "nodira@example.uz"
PHONE_ERROR = "Give an Uzbek phone number: +998 and nine digits."


@pytest.fixture
def guide(live: Live) -> None:
    """A published guide on the family topic: the one the citizen is offered first."""
    with live.app.app_context():
        make_material(GUIDE, topics=["family"],
                      body="## The rule\n\nBoth parents agree in writing.\n")


def check(page: Any, what: str) -> None:
    accessible(page, what)
    fits(page)


def the_phone_error_is_announced(page: Any) -> None:
    """The invalid phone: the input is marked invalid and described by the message."""
    phone = page.get_by_label("Phone", exact=True)
    expect(phone).to_have_attribute("aria-invalid", "true")
    described = (phone.get_attribute("aria-describedby") or "").split()
    assert described, "the phone input has no aria-describedby"
    texts = [page.locator(f"#{ident}").inner_text() for ident in described]
    assert any(PHONE_ERROR in text for text in texts), texts
    expect(page.get_by_role("alert")).to_contain_text(PHONE_ERROR)


def the_receipt(page: Any) -> tuple[str, str]:
    """The reference and the tracking code, as the citizen reads them off the receipt."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request is sent")
    reference, code = (c.strip() for c in page.locator(".consult-code").all_inner_texts())
    assert re.fullmatch(r"HQ-\d{4}-\d{6}", reference), reference
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code), code
    return reference, code


def the_request_is_shown(page: Any, reference: str) -> None:
    page.wait_for_url("**/consultations/track/request")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Request {reference}")
    expect(page.locator(".message-body").first).to_have_text(QUESTION)
    expect(page.get_by_text("No reply yet.")).to_be_visible()


def the_consultant_replies(live: Live, page: Any, screen: str, reference: str) -> None:
    """A consultant, in their own browser: log in, the queue, the request, take it, reply."""
    staff(live.app, "consultant", CONSULTANT, "Nodira Yusupova")
    context = page.context.browser.new_context(
        locale="en-GB", viewport=SCREENS[screen], is_mobile=screen == "phone",
        has_touch=screen == "phone")
    context.set_default_timeout(15_000)
    try:
        desk = context.new_page()
        log_in(desk, live, CONSULTANT)
        desk.get_by_role("link", name="Consultation queue").click()
        desk.wait_for_url("**/consultations/queue")
        expect(desk.locator(".queue-table tbody tr")).to_have_count(1)
        check(desk, "the consultant's queue")
        desk.get_by_role("link", name=reference).click()
        expect(desk.get_by_role("heading", level=1)).to_have_text(f"Request {reference}")
        expect(desk.locator("#page-question ~ .message-body")
               ).to_have_text(QUESTION)
        check(desk, "the consultant's request page")
        desk.get_by_role("button", name="Take this request").click()
        expect(desk.get_by_role("status")).to_contain_text(f"You have taken {reference}.")
        check(desk, "the request page, taken")
        desk.get_by_label("Reply to the citizen").fill(REPLY)
        desk.get_by_role("button", name="Send the reply").click()
        expect(desk.locator("#page-thread .message-body")).to_have_text([REPLY])
        check(desk, "the request page, answered")
    finally:
        context.close()


def the_reply_is_shown(page: Any) -> None:
    page.reload()
    expect(page.locator(".consult-status-answered")).to_have_text("Answered")
    expect(page.locator(".thread .message-body")).to_have_text([REPLY])


@pytest.mark.screens
@pytest.mark.usefixtures("guide")
def test_a_citizen_asks_tracks_and_reads_the_consultant_s_reply(live, page, screen) -> None:
    page.goto(live.url("/"))
    check(page, "the home page")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ask a lawyer").click()

    # Step 1: the topic.
    page.wait_for_url("**/consultations/new")
    check(page, "the topics")
    page.get_by_role("link", name=TOPIC).click()

    # Step 2: the suggested guides; her question is not answered there.
    page.wait_for_url("**/consultations/new/family")
    expect(page.get_by_role("link", name=GUIDE)).to_be_visible()
    check(page, "the suggested guides")
    page.get_by_role("link", name="My question is not answered: continue").click()

    # Step 3: the form, first with a phone number that is not one.
    page.wait_for_url("**/consultations/new/family/form")
    check(page, "the request form")
    page.get_by_label("Your name").fill(ASKER)
    page.get_by_label("Phone", exact=True).fill("12345")
    page.get_by_label("Region").select_option(label="Samarkand region")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_label("I agree to the processing of my personal data").check()
    page.get_by_role("button", name="Send the request").click()

    the_phone_error_is_announced(page)
    check(page, "the request form with an error")
    page.get_by_label("Phone", exact=True).fill(PHONE)
    page.get_by_role("button", name="Send the request").click()

    # The receipt: the reference and the code, shown once.
    page.wait_for_url("**/consultations/sent")
    reference, code = the_receipt(page)
    check(page, "the receipt")

    # Tracking with the reference and the code.
    page.get_by_role("link", name="Follow your request").click()
    page.wait_for_url("**/consultations/track")
    check(page, "the tracking form")
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Tracking code").fill(code)
    page.get_by_role("button", name="Show my request").click()
    the_request_is_shown(page, reference)
    check(page, "the tracked request")

    the_consultant_replies(live, page, screen, reference)

    the_reply_is_shown(page)
    check(page, "the tracked request with the reply")


@pytest.mark.usefixtures("guide")
def test_the_citizen_s_part_by_keyboard_alone(live, page) -> None:
    page.goto(live.url("/"))
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Ask a lawyer"))
    page.keyboard.press("Enter")

    page.wait_for_url("**/consultations/new")
    press(page, page.get_by_role("link", name=TOPIC))

    page.wait_for_url("**/consultations/new/family")
    press(page, page.get_by_role("link", name="My question is not answered: continue"))

    page.wait_for_url("**/consultations/new/family/form")
    type_into(page, page.get_by_label("Your name"), ASKER)
    type_into(page, page.get_by_label("Phone", exact=True), PHONE)
    region = page.get_by_label("Region")
    type_into(page, region, "Samarkand")
    expect(region).to_have_value("Samarqand viloyati")
    type_into(page, page.get_by_label("Your question"), QUESTION)
    consent = page.get_by_label("I agree to the processing of my personal data")
    press(page, consent, "Space")
    expect(consent).to_be_checked()
    press(page, page.get_by_role("button", name="Send the request"))

    page.wait_for_url("**/consultations/sent")
    reference, code = the_receipt(page)
    press(page, page.get_by_role("link", name="Follow your request"))

    page.wait_for_url("**/consultations/track")
    type_into(page, page.get_by_label("Reference"), reference)
    type_into(page, page.get_by_label("Tracking code"), code)
    page.keyboard.press("Enter")  # sends the form, as Enter in a text field does
    the_request_is_shown(page, reference)

    the_consultant_replies(live, page, "desktop", reference)

    the_reply_is_shown(page)
