"""Writing records: the form, one-time keys, validation with nothing written, the shared workflow
and who may use it, stale edits, history, diff and restore, documents, and translations."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import select

from portal.content.attachments import Attachment
from portal.content.audit import AuditEntry
from portal.content.revisions import Revision
from portal.cooperation.models import CooperationRecord
from portal.extensions import db
from portal.mail import OutboxMail
from tests.conftest import Auth, make_user
from tests.cooperation.helpers import (
    PDF,
    count,
    edit_form,
    field_error,
    form_on,
    make_partner,
    make_record,
    record,
    record_form,
    text,
)

TITLE = "Memorandum with the Federal Police Academy"


def revision_numbers(app, record_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Revision.number).where(
            Revision.item_type == "cooperation", Revision.item_id == record_id
        ).order_by(Revision.number)))


def created_id(response) -> int:
    found = re.search(r"/cooperation/(\d+)/edit$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def written(app) -> dict[str, int]:
    """Everything a saved record leaves behind, counted."""
    return {"records": count(app, CooperationRecord), "revisions": count(app, Revision),
            "audit": count(app, AuditEntry), "outbox": count(app, OutboxMail)}


# Creating -------------------------------------------------------------------------------------


def test_an_editor_writes_a_record_through_the_form_and_it_is_a_draft(app, client,
                                                                      as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE", short_name="BPOL")
    academy = make_partner(app, "Police Academy of Lower Saxony", "DE", kind="academy")
    editor = as_role("editor")
    page = text(client.get("/cooperation/new"))
    fields = form_on(page, "/cooperation/new")
    assert fields["form_key"][0] and fields["remind_days"] == ["60"]
    fields.update({k: v if isinstance(v, list) else [v] for k, v in record_form(
        [bpol, academy], ends_on="2030-02-28", people_trained="45",
        outcomes="- 45 officers trained\n- a joint handbook",
        topics=["community-policing"]).items() if k != "form_key"})

    response = client.post("/cooperation/new", data=fields)

    assert response.status_code == 302
    record_id = created_id(response)
    saved = record(app, record_id)
    assert (saved.title, saved.state, saved.author_id) == (TITLE, "draft", editor.id)
    assert [p.name for p in saved.partners] == ["Bundespolizei", "Police Academy of Lower Saxony"]
    assert (saved.starts_on, saved.ends_on) == (date(2025, 3, 1), date(2030, 2, 28))
    assert saved.year == 2025  # filed under the year it was signed
    assert saved.people_trained == 45
    assert [t.slug for t in saved.topics] == ["community-policing"]
    assert revision_numbers(app, record_id) == [1]
    assert "Draft saved." in text(client.get(response.headers["Location"]))
    # the public does not see a draft
    reader = app.test_client()
    assert reader.get(f"/cooperation/{record_id}").status_code == 404
    assert TITLE not in text(reader.get("/cooperation/"))


def test_saving_the_edit_form_as_shown_changes_nothing(app, client, as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    academy = make_partner(app, "Police Academy of Lower Saxony", "DE", kind="academy")
    record_id = make_record(app, TITLE, [bpol, academy], state="draft",
                            signed_on=date(2024, 11, 5), starts_on=date(2025, 1, 1),
                            ends_on=date(2029, 12, 31), renew_on=date(2029, 6, 30),
                            remind_days=90, topics=("community-policing", "legal-aid"))
    as_role("editor")
    action = f"/cooperation/{record_id}/edit"
    fields = form_on(text(client.get(action)), action)
    assert fields["partners"] == [str(bpol), str(academy)]

    response = client.post(action, data=fields)

    assert response.status_code == 302
    assert "Nothing changed." in text(client.get(response.headers["Location"]))
    assert revision_numbers(app, record_id) == [1]


def test_the_same_form_sent_twice_creates_one_record(app, client, as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    as_role("editor")
    key = form_on(text(client.get("/cooperation/new")), "/cooperation/new")["form_key"][0]

    first = client.post("/cooperation/new", data=record_form([bpol], form_key=key))
    second = client.post("/cooperation/new", data=record_form([bpol], form_key=key))

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(app, CooperationRecord) == 1
    assert revision_numbers(app, created_id(first)) == [1]
    other = form_on(text(client.get("/cooperation/new")), "/cooperation/new")["form_key"][0]
    assert other != key  # a new form, a new key: a second record
    client.post("/cooperation/new", data=record_form([bpol], form_key=other))
    assert count(app, CooperationRecord) == 2


BAD_RECORDS = [
    ({"starts_on": "2026-05-01", "ends_on": "2026-04-30"}, "ends_on",
     "The end cannot be before the start."),
    ({"partners": ["999"]}, "partners",
     "A partner you chose does not exist (any more): choose from the list."),
    ({"partners": ["abc"]}, "partners", "partner"),  # not an id at all
    ({"partners": []}, "partners", "Choose at least one partner."),
    ({"courses": ["999"]}, "courses", "A course you chose does not exist (any more)."),
    ({"webinars": ["999"]}, "webinars", "A webinar you chose does not exist (any more)."),
    ({"title": "   "}, "title", "This field is required."),
    ({"summary": ""}, "summary", "This field is required."),
    ({"kind": "treaty"}, "kind", "Not a valid choice."),
    ({"status": "secret"}, "status", "Not a valid choice."),
    ({"ends_on": "31.12.2026"}, "ends_on", "Not a valid date value."),
    ({"signed_on": "1850-01-01"}, "signed_on", "Give a date between the years 1900 and 2100."),
    ({"year": "1850"}, "year", "Give a year between 1900 and 2100."),
    ({"remind_days": "0"}, "remind_days", "Give a number of days from 1 to 730."),
    ({"remind_days": ""}, "remind_days", "This field is required."),
    ({"people_trained": "-5"}, "people_trained", "Give a number of people, 0 or more."),
]


def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(app, client,
                                                                       as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    as_role("editor")
    before = written(app)

    for change, field, message in BAD_RECORDS:
        response = client.post("/cooperation/new", data=record_form(
            [bpol], **{"ends_on": "2030-01-01", **change}))

        page = text(response)
        assert response.status_code == 422, change
        error = field_error(page, field)
        assert error is not None and message in error, (change, error)
        assert f'aria-describedby="{field}-hint {field}-error"' in page or \
            f'aria-describedby="{field}-error"' in page, change
        assert 'role="alert"' in page, change
        assert written(app) == before, change
    # what was typed is kept for correcting
    page = text(client.post("/cooperation/new", data=record_form(
        [bpol], starts_on="2026-05-01", ends_on="2026-04-30")))
    fields = form_on(page, "/cooperation/new")
    assert fields["title"] == [TITLE] and fields["partners"] == [str(bpol)]
    assert fields["ends_on"] == ["2026-04-30"]


def test_a_partner_deleted_while_the_form_was_open_is_refused(app, client, as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    gone = make_partner(app, "Disbanded Agency", "FR")
    as_role("editor")
    fields = form_on(text(client.get("/cooperation/new")), "/cooperation/new")
    client.post(f"/cooperation/partners/{gone}/delete")

    response = client.post("/cooperation/new", data={
        **fields, **record_form([bpol, gone], form_key=fields["form_key"][0])})

    assert response.status_code == 422
    assert "does not exist (any more)" in (field_error(text(response), "partners") or "")
    assert count(app, CooperationRecord) == 0


def test_an_edit_with_the_end_before_the_start_writes_nothing(app, client, as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    record_id = make_record(app, TITLE, [bpol], state="draft", starts_on=date(2025, 1, 1),
                            ends_on=date(2030, 1, 1))
    as_role("editor")
    before = written(app)

    response = client.post(f"/cooperation/{record_id}/edit", data=edit_form(
        app, record_id, ends_on="2024-12-31", title="Changed"))

    assert response.status_code == 422
    assert field_error(text(response), "ends_on") == "The end cannot be before the start."
    assert written(app) == before
    assert (record(app, record_id).title, record(app, record_id).ends_on) == (
        TITLE, date(2030, 1, 1))


# Who may do what ------------------------------------------------------------------------------


def test_who_does_not_keep_the_register_gets_403_on_its_manage_pages(app) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    published = make_record(app, TITLE, [bpol])
    for role in ("citizen", "inspector", "trainer"):
        client = app.test_client()
        with app.app_context():
            make_user(role, f"{role}@example.uz")
        Auth(client).login(f"{role}@example.uz")
        refused_everywhere(app, client, bpol, published)


def refused_everywhere(app, client, bpol: int, published: int) -> None:
    before = written(app)
    for url in ("/cooperation/manage", "/cooperation/new", f"/cooperation/{published}/edit",
                f"/cooperation/{published}/history",
                f"/cooperation/{published}/history/diff?a=1&b=1"):
        assert client.get(url).status_code == 403, url
    assert client.post("/cooperation/new", data=record_form([bpol])).status_code == 403
    assert client.post(f"/cooperation/{published}/edit", data=edit_form(
        app, published, title="Hijacked")).status_code == 403
    assert client.post(f"/cooperation/{published}/workflow",
                       data={"move": "archive"}).status_code == 403
    assert client.post(f"/cooperation/{published}/history/1/restore").status_code == 403
    assert client.post(f"/cooperation/{published}/attachments", data={
        "file": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data"
    ).status_code == 403
    assert written(app) == before
    assert record(app, published).state == "published"
    page = text(client.get(f"/cooperation/{published}"))
    assert "Editorial" not in page and "/cooperation/manage" not in page


def test_an_anonymous_visitor_is_sent_to_log_in_and_drafts_do_not_exist(app, client) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    draft = make_record(app, TITLE, [bpol], state="draft")

    for url in ("/cooperation/manage", "/cooperation/new", f"/cooperation/{draft}/edit"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get(f"/cooperation/{draft}").status_code == 404
    assert client.post(f"/cooperation/{draft}/workflow",
                       data={"move": "submit"}).status_code == 404
    assert record(app, draft).state == "draft"


def test_an_editor_submits_and_publishes_and_the_public_then_sees_it(app, client,
                                                                     as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    as_role("editor")
    record_id = created_id(client.post("/cooperation/new", data=record_form([bpol])))
    reader = app.test_client()
    page = text(client.get(f"/cooperation/{record_id}"))
    assert "Not public:" in page and 'value="submit"' in page

    submitted = client.post(f"/cooperation/{record_id}/workflow", data={"move": "submit"})
    assert client.get(f"/cooperation/{record_id}/edit").status_code == 403  # in review
    published = client.post(f"/cooperation/{record_id}/workflow", data={"move": "publish"})

    assert submitted.status_code == published.status_code == 302
    assert record(app, record_id).state == "published"
    response = reader.get(f"/cooperation/{record_id}")
    assert response.status_code == 200 and "Not public:" not in text(response)
    assert TITLE in text(reader.get("/cooperation/"))
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "cooperation.publish")) == "cooperation.publish"

    client.post(f"/cooperation/{record_id}/workflow", data={"move": "archive"})
    assert reader.get(f"/cooperation/{record_id}").status_code == 404
    assert TITLE not in text(reader.get("/cooperation/"))


def test_the_manage_page_lists_every_state_and_filters(app, client, as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    make_record(app, "Published memorandum", [bpol])
    make_record(app, "Draft memorandum", [bpol], state="draft")
    as_role("editor")

    every = text(client.get("/cooperation/manage"))
    drafts = text(client.get("/cooperation/manage?state=draft"))
    searched = text(client.get("/cooperation/manage?q=published"))

    assert "Published memorandum" in every and "Draft memorandum" in every
    assert "Draft memorandum" in drafts and "Published memorandum" not in drafts
    assert "Published memorandum" in searched and "Draft memorandum" not in searched


# Stale edits, history, diff, restore ----------------------------------------------------------


def test_a_save_over_a_newer_version_is_refused_with_409_and_keeps_the_text(app, client,
                                                                            as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    record_id = make_record(app, TITLE, [bpol], state="draft")
    as_role("editor")
    mine = edit_form(app, record_id, summary="My careful summary.")
    other = app.test_client()
    with app.app_context():
        make_user("editor", "second-editor@example.uz")
    Auth(other).login("second-editor@example.uz")
    assert other.post(f"/cooperation/{record_id}/edit", data=edit_form(
        app, record_id, title="Their new title")).status_code == 302

    stale = client.post(f"/cooperation/{record_id}/edit", data=mine)

    page = text(stale)
    assert stale.status_code == 409
    assert "Someone else saved this record after you opened it." in page
    assert "My careful summary." in page
    assert record(app, record_id).title == "Their new title"
    assert revision_numbers(app, record_id) == [1, 2]
    # saving the form as shown again overwrites on purpose
    action = f"/cooperation/{record_id}/edit"
    again = client.post(action, data=form_on(page, action))
    assert again.status_code == 302
    assert record(app, record_id).summary == "My careful summary."
    assert record(app, record_id).title == TITLE  # the form held the title as it was typed


def test_history_diff_and_restore_bring_back_text_dates_and_partners(app, client,
                                                                     as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE", short_name="BPOL")
    academy = make_partner(app, "Police Academy of Lower Saxony", "DE", kind="academy")
    record_id = make_record(app, TITLE, [bpol], state="draft", starts_on=date(2025, 1, 1),
                            ends_on=date(2030, 1, 1))
    as_role("editor")
    changed = client.post(f"/cooperation/{record_id}/edit", data=edit_form(
        app, record_id, title="Memorandum, extended", partners=[str(academy)],
        ends_on="2032-01-01", comment="Extended to 2032"))
    assert changed.status_code == 302

    history = text(client.get(f"/cooperation/{record_id}/history"))
    assert "Extended to 2032" in history and "Restore revision 1" in history
    diff = text(client.get(f"/cooperation/{record_id}/history/diff?a=1&b=2"))
    assert re.search(rf"<del>.*?- {bpol} Bundespolizei \(BPOL\)</del>", diff)
    assert re.search(rf"<ins>.*?\+ {academy} Police Academy of Lower Saxony</ins>", diff)
    assert re.search(r"<del>.*?- 2030-01-01</del>", diff)
    assert re.search(r"<ins>.*?\+ 2032-01-01</ins>", diff)

    restored = client.post(f"/cooperation/{record_id}/history/1/restore")

    assert restored.status_code == 302
    saved = record(app, record_id)
    assert (saved.title, saved.ends_on) == (TITLE, date(2030, 1, 1))
    assert [p.id for p in saved.partners] == [bpol]
    assert revision_numbers(app, record_id) == [1, 2, 3]
    assert "Revision 1 is restored." in text(client.get(restored.headers["Location"]))


# Documents ------------------------------------------------------------------------------------


def upload(client, record_id: int, data: bytes, name: str):
    return client.post(f"/cooperation/{record_id}/attachments",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_documents_are_attached_and_downloaded_by_who_may_see_the_record(app, client,
                                                                          as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    record_id = make_record(app, TITLE, [bpol], state="draft")
    as_role("editor")

    response = upload(client, record_id, PDF, "Memorandum signed.pdf")

    assert response.status_code == 302
    [row] = _attachments(app)
    assert (row.item_type, row.item_id, row.content_type) == (
        "cooperation", record_id, "application/pdf")
    page = text(client.get(f"/cooperation/{record_id}"))
    link = re.search(r'href="(/attachments/\d+/[^"]+)" download>Memorandum signed\.pdf</a>',
                     page)
    assert link is not None
    assert downloaded(client, link.group(1)) == (200, PDF)
    reader = app.test_client()
    assert downloaded(reader, link.group(1))[0] == 404  # a draft's document is not public

    client.post(f"/cooperation/{record_id}/workflow", data={"move": "submit"})
    client.post(f"/cooperation/{record_id}/workflow", data={"move": "publish"})

    public_page = text(reader.get(f"/cooperation/{record_id}"))
    assert "Memorandum signed.pdf" in public_page
    assert downloaded(reader, link.group(1)) == (200, PDF)


def downloaded(client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    try:
        if response.status_code == 200:
            assert response.mimetype == "application/pdf"
        return response.status_code, response.get_data()
    finally:
        response.close()


def test_a_file_that_is_not_a_document_is_refused_and_nothing_is_stored(app, client,
                                                                        as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    record_id = make_record(app, TITLE, [bpol], state="draft")
    as_role("editor")

    response = upload(client, record_id, b"<html><script>alert(1)</script></html>",
                      "memorandum.pdf")

    assert response.status_code == 422
    assert "Only PDF, JPG and PNG files can be attached." in text(response)
    assert _attachments(app) == []


def test_a_document_is_removed(app, client, as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    record_id = make_record(app, TITLE, [bpol], state="draft")
    as_role("editor")
    upload(client, record_id, PDF, "old.pdf")
    [row] = _attachments(app)

    response = client.post(f"/cooperation/{record_id}/attachments/{row.id}/delete")

    assert response.status_code == 302
    assert _attachments(app) == []
    assert "old.pdf" not in text(client.get(f"/cooperation/{record_id}"))


def _attachments(app) -> list[Attachment]:
    with app.app_context():
        found = list(db.session.scalars(select(Attachment)))
        for row in found:
            db.session.expunge(row)
        return found


# Translations ---------------------------------------------------------------------------------


def test_translate_into_starts_from_the_original_and_joins_its_group(app, client,
                                                                     as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    academy = make_partner(app, "Police Academy of Lower Saxony", "DE", kind="academy")
    original_id = make_record(app, TITLE, [bpol, academy], starts_on=date(2025, 1, 1),
                              ends_on=date(2030, 1, 1), topics=("community-policing",))
    as_role("editor")
    detail = text(client.get(f"/cooperation/{original_id}"))
    link = re.search(rf'href="(/cooperation/new\?translation_of={original_id}&amp;lang=ru)"',
                     detail)
    assert link, "no 'Translate into Русский' link"

    page = text(client.get(link.group(1).replace("&amp;", "&")))
    action = f"/cooperation/new?translation_of={original_id}"
    fields = form_on(page, action)
    assert f"A translation of “{TITLE}”." in page
    assert fields["language"] == ["ru"]
    assert fields["partners"] == [str(bpol), str(academy)]
    assert fields["ends_on"] == ["2030-01-01"]
    assert fields["topics"] == ["community-policing"]
    assert fields["form_key"][0]
    fields.update(title=["Меморандум с Академией полиции"],
                  summary=["Совместные курсы по работе с населением."])
    response = client.post(action, data=fields)

    assert response.status_code == 302
    translation = record(app, created_id(response))
    original = record(app, original_id)
    assert translation.language == "ru" and translation.state == "draft"
    assert translation.translation_group == original.translation_group
    assert [p.id for p in translation.partners] == [bpol, academy]
    detail = text(client.get(f"/cooperation/{original_id}"))
    assert f'href="/cooperation/{translation.id}" hreflang="ru"' in detail
    assert "Translate into Русский" not in detail and "Translate into Oʻzbekcha" in detail


def test_a_second_version_in_a_language_the_group_has_is_refused(app, client,
                                                                 as_role) -> None:
    bpol = make_partner(app, "Bundespolizei", "DE")
    original_id = make_record(app, TITLE, [bpol])
    make_record(app, "Меморандум", [bpol], language="ru", translation_of=original_id)
    as_role("editor")
    action = f"/cooperation/new?translation_of={original_id}"

    for language in ("ru", "en"):  # a translation's, and the original's own language
        response = client.post(action, data=record_form(
            [bpol], title="Another version", language=language, form_key=f"again-{language}"))

        assert response.status_code == 422, language
        assert field_error(text(response), "language") == (
            "This record already has a version in this language."), language
    assert count(app, CooperationRecord) == 2
