"""The staff side: who sees which request, taking and assigning, replies and notes, statuses,
reopening by a follow-up, overdue requests, and the audit trail of every opening."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import AnonymousUser
from portal.consultations import services
from portal.consultations.models import (
    ConsultationMessage,
    ConsultationRequest,
    MessageKind,
    Status,
)
from portal.database import utcnow
from portal.extensions import db
from tests.conftest import make_user
from tests.consultations.helpers import (
    EMAIL,
    NAME,
    PHONE,
    QUESTION,
    act,
    audit_rows,
    get,
    outbox,
    send,
    staff,
    user,
)


def visible_ids(app, user_id: int | None, **filters) -> list[int]:
    with app.app_context():
        viewer = user(user_id) if user_id is not None else AnonymousUser()
        return [r.id for r in db.session.scalars(services.queue(viewer, **filters))]


@pytest.fixture
def people(app) -> dict[str, int]:
    return {"ana": staff(app, "consultant", "ana@example.uz", "Ana"),
            "bek": staff(app, "consultant", "bek@example.uz", "Bek"),
            "boss": staff(app, "admin", "boss@example.uz", "Boss"),
            "editor": staff(app, "editor", "ed@example.uz", "Ed"),
            "citizen": staff(app, "citizen", "citizen@example.uz", "Citizen")}


def test_a_consultant_sees_their_own_and_the_unassigned_but_not_anothers(app, people) -> None:
    mine, theirs, free = send(app), send(app), send(app)
    act(app, services.take, mine.id, actor=people["ana"])
    act(app, services.take, theirs.id, actor=people["bek"])

    assert sorted(visible_ids(app, people["ana"])) == sorted([mine.id, free.id])
    assert sorted(visible_ids(app, people["bek"])) == sorted([theirs.id, free.id])
    with app.app_context():
        assert not services.can_view_as_staff(get(theirs.id), user(people["ana"]))
        assert services.can_view_as_staff(get(mine.id), user(people["ana"]))


def test_a_supervisor_sees_every_request(app, people) -> None:
    sent = [send(app), send(app)]
    act(app, services.take, sent[0].id, actor=people["ana"])

    assert sorted(visible_ids(app, people["boss"])) == sorted(s.id for s in sent)


@pytest.mark.parametrize("who", ["editor", "citizen", None])
def test_others_see_no_request_as_staff(app, people, who) -> None:
    sent = send(app)

    assert visible_ids(app, people[who] if who else None) == []
    with app.app_context():
        viewer = user(people[who]) if who else AnonymousUser()
        assert not services.can_view_as_staff(get(sent.id), viewer)


def test_a_citizen_sees_only_the_requests_they_sent_logged_in(app, people) -> None:
    own = send(app, user_id=people["citizen"])
    anonymous = send(app)

    with app.app_context():
        citizen = user(people["citizen"])
        assert services.can_view_as_citizen(get(own.id), citizen)
        assert not services.can_view_as_citizen(get(anonymous.id), citizen)
        assert not services.can_view_as_citizen(get(own.id), AnonymousUser())
        assert [r.id for r in db.session.scalars(services.requests_of(citizen))] == [own.id]


def test_the_queue_filters(app, people) -> None:
    family = send(app, "family", region="Samarqand viloyati")
    housing = send(app, "housing")
    act(app, services.take, housing.id, actor=people["ana"])
    with app.app_context():
        topic_id = get(housing.id).topic_id

    boss = people["boss"]
    assert visible_ids(app, boss, status="assigned") == [housing.id]
    assert visible_ids(app, boss, topic_id=topic_id) == [housing.id]
    assert visible_ids(app, boss, region="Samarqand viloyati") == [family.id]
    assert visible_ids(app, boss, assignee_id=people["ana"]) == [housing.id]
    assert visible_ids(app, boss, unassigned=True) == [family.id]


def test_taking_a_request_assigns_it(app, people) -> None:
    sent = send(app)

    act(app, services.take, sent.id, actor=people["ana"])

    with app.app_context():
        request = get(sent.id)
        assert request.assignee_id == people["ana"] and request.status == Status.assigned


def test_a_request_taken_by_another_cannot_be_taken(app, people) -> None:
    sent = send(app)
    act(app, services.take, sent.id, actor=people["ana"])

    with pytest.raises(services.AlreadyTaken):
        act(app, services.take, sent.id, actor=people["bek"])


def test_two_consultants_taking_at_once_one_wins(app, people) -> None:
    sent = send(app)

    with app.app_context():
        stale = get(sent.id)  # read before the other took it
        db.session.execute(ConsultationRequest.__table__.update().where(
            ConsultationRequest.id == sent.id).values(assignee_id=people["bek"]))
        with pytest.raises(services.AlreadyTaken):
            services.take(stale, user(people["ana"]))
        db.session.commit()
        assert get(sent.id).assignee_id == people["bek"]


def test_only_a_supervisor_assigns_and_only_to_a_consultant(app, people) -> None:
    sent = send(app)

    with pytest.raises(services.NotAllowed):
        act(app, services.assign, sent.id, None, actor=people["ana"])
    with app.app_context(), pytest.raises(services.InvalidInput):
        services.assign(get(sent.id), user(people["editor"]), user(people["boss"]))

    with app.app_context():
        services.assign(get(sent.id), user(people["bek"]), user(people["boss"]))
        db.session.commit()
        request = get(sent.id)
        assert request.assignee_id == people["bek"] and request.status == Status.assigned
    [mail] = outbox(app, "bek@example.uz")
    assert sent.reference in mail.subject and NAME not in mail.body

    with app.app_context():
        services.assign(get(sent.id), None, user(people["boss"]))  # back to the queue
        db.session.commit()
        assert get(sent.id).status == Status.new and get(sent.id).assignee_id is None


def test_a_reply_answers_the_request_and_mails_a_notice_without_its_text(app, people) -> None:
    sent = send(app)
    act(app, services.take, sent.id, actor=people["ana"])

    act(app, services.reply, sent.id, "You can claim alimony through the court.",
        actor=people["ana"])

    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.answered and request.first_reply_at is not None
        assert [m.kind for m in services.public_messages(request)] == [MessageKind.public_reply]
    mails = outbox(app, EMAIL)
    assert len(mails) == 2  # the receipt, then the reply's notice
    notice = mails[1]
    assert sent.reference in notice.subject
    assert "http://127.0.0.1:5000/consultations/track" in notice.body
    for secret in ("alimony", NAME, PHONE, QUESTION):
        assert secret not in notice.subject and secret not in notice.body


def test_replying_to_an_unassigned_request_takes_it(app, people) -> None:
    sent = send(app)

    act(app, services.reply, sent.id, "An answer.", actor=people["ana"])

    with app.app_context():
        assert get(sent.id).assignee_id == people["ana"]


def test_a_consultant_cannot_reply_to_anothers_request(app, people) -> None:
    sent = send(app)
    act(app, services.take, sent.id, actor=people["bek"])

    with pytest.raises(services.NotAllowed):
        act(app, services.reply, sent.id, "Mine now.", actor=people["ana"])
    with pytest.raises(services.NotAllowed):
        act(app, services.note, sent.id, "Peeking.", actor=people["ana"])


def test_an_internal_note_is_never_shown_to_the_citizen_nor_mailed(app, people) -> None:
    sent = send(app)
    act(app, services.take, sent.id, actor=people["ana"])
    mails_before = len(outbox(app))

    act(app, services.note, sent.id, "Call the mahalla first.", actor=people["ana"])

    with app.app_context():
        request = get(sent.id)
        assert services.public_messages(request) == []
        assert [m.kind for m in services.staff_messages(request)] == [MessageKind.internal_note]
        assert request.status == Status.assigned
    assert len(outbox(app)) == mails_before


def test_the_status_moves_along_the_allowed_transitions(app, people) -> None:
    sent = send(app)
    ana = people["ana"]
    act(app, services.take, sent.id, actor=ana)

    for status in ("waiting", "answered", "closed"):
        act(app, services.set_status, sent.id, status, actor=ana)
        with app.app_context():
            assert get(sent.id).status == status
    with app.app_context():
        assert get(sent.id).closed_at is not None

    act(app, services.reopen, sent.id, actor=ana)
    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.assigned and request.closed_at is None


@pytest.mark.parametrize("moves", [("answered", "assigned"), ("waiting", "assigned"),
                                   ("answered", "closed", "assigned")])
def test_a_request_moved_back_into_an_open_status_is_owed_a_new_answer_in_time(
        app, people, moves) -> None:
    sent = send(app)
    ana = people["ana"]
    act(app, services.take, sent.id, actor=ana)
    for status in moves[:-1]:
        act(app, services.set_status, sent.id, status, actor=ana)
    with app.app_context():
        get(sent.id).due_at = utcnow() - timedelta(days=3)  # long past, as it was answered
        db.session.commit()

    act(app, services.set_status, sent.id, moves[-1], actor=ana)

    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.assigned
        assert not services.is_overdue(request)
        assert request.due_at > utcnow()


def test_staff_reopening_an_answered_request_does_not_make_it_overdue(app, people) -> None:
    sent = send(app)
    act(app, services.reply, sent.id, "Go to the court.", actor=people["ana"])
    with app.app_context():
        get(sent.id).due_at = utcnow() - timedelta(days=3)
        db.session.commit()

    act(app, services.reopen, sent.id, actor=people["ana"])

    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.assigned and not services.is_overdue(request)


@pytest.mark.parametrize(("start", "to"), [("new", "answered"), ("new", "waiting"),
                                           ("assigned", "new")])
def test_other_moves_are_refused(app, people, start, to) -> None:
    sent = send(app)
    if start == "assigned":
        act(app, services.take, sent.id, actor=people["ana"])

    with pytest.raises(services.InvalidTransition):
        act(app, services.set_status, sent.id, to, actor=people["boss"])


def test_a_follow_up_reopens_an_answered_request_and_tells_the_assignee(app, people) -> None:
    sent = send(app)
    act(app, services.reply, sent.id, "Go to the court.", actor=people["ana"])
    with app.app_context():
        request = get(sent.id)
        request.due_at = utcnow() - timedelta(days=1)
        db.session.commit()

    act(app, services.add_follow_up, sent.id, "Which court, please?")

    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.assigned
        assert request.due_at > utcnow()  # a new answer is owed, in the topic's time
        assert [m.kind for m in services.public_messages(request)] == [
            MessageKind.public_reply, MessageKind.citizen_message]
    [mail] = outbox(app, "ana@example.uz")
    assert sent.reference in mail.subject and "Which court" not in mail.body


def test_a_follow_up_on_a_closed_unassigned_request_puts_it_back_in_the_queue(
        app, people) -> None:
    sent = send(app)
    act(app, services.set_status, sent.id, "closed", actor=people["boss"])

    act(app, services.add_follow_up, sent.id, "I still need help.")

    with app.app_context():
        request = get(sent.id)
        assert request.status == Status.new and request.closed_at is None


def test_an_empty_follow_up_is_refused(app) -> None:
    sent = send(app)

    with pytest.raises(services.InvalidInput):
        act(app, services.add_follow_up, sent.id, "  ")


def test_follow_ups_are_limited_per_day(app) -> None:
    app.config["CONSULTATION_FOLLOW_UPS_PER_DAY"] = 2
    sent = send(app)
    act(app, services.add_follow_up, sent.id, "One.")
    act(app, services.add_follow_up, sent.id, "Two.")

    with pytest.raises(services.NotAllowed):
        act(app, services.add_follow_up, sent.id, "Three.")


def test_overdue_requests_are_counted_and_filtered(app, people) -> None:
    late, waiting, fresh = send(app), send(app), send(app)
    with app.app_context():
        for sent in (late, waiting):
            get(sent.id).due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    act(app, services.take, waiting.id, actor=people["ana"])
    act(app, services.set_status, waiting.id, "waiting", actor=people["ana"])

    assert visible_ids(app, people["boss"], overdue=True) == [late.id]
    with app.app_context():
        assert services.is_overdue(get(late.id))
        assert not services.is_overdue(get(waiting.id))  # the citizen owes the next step
        assert not services.is_overdue(get(fresh.id))
        counts = services.queue_counts(user(people["boss"]))
        assert counts == {"new": 2, "assigned": 0, "waiting": 1, "answered": 0, "closed": 0,
                          "overdue": 1}
        assert services.queue_counts(user(people["editor"]))["new"] == 0


def test_opening_a_request_is_audited_without_its_text(app, people) -> None:
    sent = send(app)

    act(app, services.record_opened, sent.id, actor=people["ana"])

    [entry] = [e for e in audit_rows(app) if e.action == "consultation.opened"]
    assert entry.actor_id == people["ana"] and entry.object_id == sent.id
    assert entry.object_type == "consultation_request"
    written = " ".join([entry.object_label, entry.comment, entry.detail])
    for personal in (NAME, PHONE, EMAIL, "alimony", QUESTION):
        assert personal not in written


def test_no_audit_row_of_the_workflow_holds_text(app, people) -> None:
    sent = send(app)
    act(app, services.take, sent.id, actor=people["ana"])
    act(app, services.note, sent.id, "Secret note about the husband.", actor=people["ana"])
    act(app, services.reply, sent.id, "Secret reply about alimony.", actor=people["ana"])
    act(app, services.add_follow_up, sent.id, "Secret follow-up about the children.")

    entries = audit_rows(app)
    assert {e.action for e in entries} >= {"consultation.submit", "consultation.take",
                                           "consultation.note", "consultation.reply",
                                           "consultation.follow_up"}
    for entry in entries:
        written = " ".join([entry.object_label, entry.comment, entry.detail])
        assert "Secret" not in written and NAME not in written and PHONE not in written


def test_the_consultants_a_supervisor_can_assign_to(app, people) -> None:
    with app.app_context():
        make_user("consultant", "gone@example.uz", name="Gone").active = False
        db.session.commit()
        names = [u.name for u in services.consultants()]

    assert names == ["Ana", "Bek", "Boss"]


def test_messages_belong_to_their_request(app, people) -> None:
    first, second = send(app), send(app)
    act(app, services.add_follow_up, first.id, "For the first.")

    with app.app_context():
        rows = db.session.scalars(select(ConsultationMessage)).all()
        assert [m.request_id for m in rows] == [first.id]
        assert get(second.id).messages == []
