"""Taking a quiz: the server fixes the questions, keeps saved answers, refuses stale or tampered
saves, grades once, and keeps the answer key until the review allows it."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from portal.content.audit import AuditEntry
from portal.courses import attempts
from portal.courses.models import Attempt, AttemptState, Enrolment, Quiz, ReviewWhen
from portal.database import utcnow
from portal.extensions import db
from tests.conftest import Auth, make_user
from tests.courses.quizzing import (
    make_course,
    post_answers,
    question_ids,
    right_answers,
    start,
)


def setup(app, as_role, **settings):
    with app.app_context():
        made = make_course(**settings)
    as_role("inspector")
    return made, question_ids(app, made["quiz_id"])


def attempt_row(app, attempt_id: int) -> Attempt:
    with app.app_context():
        row = db.session.get(Attempt, attempt_id)
        db.session.expunge(row)
        return row


def test_starting_fixes_the_questions_and_the_page_never_holds_the_key(app, client,
                                                                       as_role) -> None:
    made, ids = setup(app, as_role, per_page=10)

    attempt_id = start(client, made)
    page = client.get(f"/courses/{made['slug']}/attempts/{attempt_id}").get_data(as_text=True)

    row = attempt_row(app, attempt_id)
    assert [entry["id"] for entry in row.layout] == sorted(ids.values())
    assert "At what age" in page and "Match the role" in page
    for secret in ("Right: start from the person", "closes the talk", "-100", "fraction",
                   "mahalla citizens", "It is a partner"):
        assert secret not in page
    # the same attempt comes back instead of a second one
    assert start(client, made) == attempt_id


def test_saved_answers_come_back_after_a_lost_connection(app, client, as_role) -> None:
    made, ids = setup(app, as_role, per_page=10)
    attempt_id = start(client, made)

    response = post_answers(client, made, attempt_id, 1, {
        f"a-{ids['first']}": f"{ids['first']}:0", f"a-{ids['word']}": "mahalla"}, json=True)

    assert response.status_code == 200 and response.json["seq"] == 1
    page = client.get(f"/courses/{made['slug']}/attempts/{attempt_id}").get_data(as_text=True)
    assert f'value="{ids["first"]}:0" checked' in page
    assert 'value="mahalla"' in page
    assert 'name="seq" value="2"' in page


def test_a_stale_or_replayed_save_is_refused_and_changes_nothing(app, client, as_role) -> None:
    made, ids = setup(app, as_role)
    attempt_id = start(client, made)
    post_answers(client, made, attempt_id, 2, {f"a-{ids['word']}": "newer"}, json=True)

    replayed = post_answers(client, made, attempt_id, 2, {f"a-{ids['word']}": "again"},
                            json=True)
    older = post_answers(client, made, attempt_id, 1, {f"a-{ids['word']}": "older"}, json=True)
    page = post_answers(client, made, attempt_id, 1, {f"a-{ids['word']}": "older"},
                        go="page-1")

    assert replayed.status_code == 409 and replayed.json == {"error": "stale", "seq": 2}
    assert older.status_code == 409
    assert page.status_code == 409 and "already sent" in page.get_data(as_text=True)
    assert attempt_row(app, attempt_id).answers == {str(ids["word"]): "newer"}


def test_tampered_answers_are_a_bad_request(app, client, as_role) -> None:
    made, ids = setup(app, as_role)
    attempt_id = start(client, made)
    url = f"/courses/{made['slug']}/attempts/{attempt_id}"

    not_in_attempt = client.post(url, data={"seq": "1", "q": "999999", "a-999999": "x"})
    other_question = post_answers(client, made, attempt_id, 2,
                                  {f"a-{ids['first']}": f"{ids['listen']}:0"})
    no_such_choice = post_answers(client, made, attempt_id, 3,
                                  {f"a-{ids['first']}": f"{ids['first']}:9"})
    bad_truth = post_answers(client, made, attempt_id, 4, {f"a-{ids['tf']}": "maybe"})
    no_seq = client.post(url, data={"q": str(ids["word"]), f"a-{ids['word']}": "x"})

    assert [r.status_code for r in (not_in_attempt, other_question, no_such_choice, bad_truth,
                                    no_seq)] == [400] * 5
    assert attempt_row(app, attempt_id).answers == {}


def test_a_number_typed_in_words_is_a_wrong_answer_not_an_error(app, client, as_role) -> None:
    made, ids = setup(app, as_role)
    attempt_id = start(client, made)

    saved = post_answers(client, made, attempt_id, 1, {f"a-{ids['age']}": "eighteen"},
                         go="finish")

    assert saved.status_code == 302
    row = attempt_row(app, attempt_id)
    assert row.state == AttemptState.finished and row.marks[str(ids["age"])] == 0


def test_finishing_grades_once_and_shows_the_review(app, client, as_role) -> None:
    made, ids = setup(app, as_role, per_page=10, review_answers=ReviewWhen.after_attempt)
    attempt_id = start(client, made)

    answers = right_answers(ids)
    answers[f"a-{ids['listen']}"] = [f"{ids['listen']}:0", f"{ids['listen']}:2"]  # 50% - 100%
    finished = post_answers(client, made, attempt_id, 1, answers, go="finish")
    again = client.post(f"/courses/{made['slug']}/attempts/{attempt_id}/finish")
    late_save = post_answers(client, made, attempt_id, 2, answers, json=True)

    assert finished.status_code == 302 and finished.headers["Location"].endswith("/review")
    assert again.status_code == 302
    assert late_save.status_code == 409 and late_save.json["error"] == "finished"
    row = attempt_row(app, attempt_id)
    assert row.marks[str(ids["listen"])] == 0  # negative weight clamps at zero
    assert abs(row.score - 5 / 6) < 1e-9
    review = client.get(f"/courses/{made['slug']}/attempts/{attempt_id}/review")
    text = review.get_data(as_text=True)
    assert "83.3%" in text and "passed" in text
    assert "No: it closes the talk." in text  # per-choice feedback of a picked choice
    assert "Right answer:" in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "quiz.finish")) == 1


def test_the_key_waits_for_the_close_when_the_quiz_says_so(app, client, as_role) -> None:
    made, ids = setup(app, as_role, review_answers=ReviewWhen.after_close,
                      review_feedback=ReviewWhen.never)
    attempt_id = start(client, made)
    post_answers(client, made, attempt_id, 1, right_answers(ids), go="finish")

    text = client.get(f"/courses/{made['slug']}/attempts/{attempt_id}/review").get_data(
        as_text=True)

    assert "Right answer:" not in text and "Right: start from the person" not in text
    assert "100.0%" in text


def test_two_finishes_at_once_give_one_finished_attempt(app, as_role, client) -> None:
    made, ids = setup(app, as_role)
    attempt_id = start(client, made)
    post_answers(client, made, attempt_id, 1, right_answers(ids))
    barrier = threading.Barrier(2)
    codes: list[int] = []
    clients = [app.test_client() for _ in range(2)]
    for other in clients:
        Auth(other).login("inspector-session@example.uz")

    def finish(other) -> None:
        barrier.wait()
        codes.append(other.post(f"/courses/{made['slug']}/attempts/{attempt_id}/finish")
                     .status_code)

    threads = [threading.Thread(target=finish, args=(other,)) for other in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert codes == [302, 302]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "quiz.finish")) == 1
        assert db.session.get(Attempt, attempt_id).state == AttemptState.finished


def before_the_first_save(monkeypatch, other) -> list[int]:
    """Run the request *other* (in its own thread, as the server would) inside the next save,
    after that request read the attempt and before it writes; returns the status it got."""
    real_save = attempts.save
    statuses: list[int] = []
    started = threading.Event()

    def save(attempt, seq, answers, **kwargs) -> None:
        if not started.is_set():
            started.set()
            thread = threading.Thread(target=lambda: statuses.append(other().status_code))
            thread.start()
            thread.join()
        real_save(attempt, seq, answers, **kwargs)

    monkeypatch.setattr(attempts, "save", save)
    return statuses


def test_finish_goes_through_when_a_background_save_lands_first(app, as_role, client,
                                                                 monkeypatch) -> None:
    """The page's background save commits between the Finish request's read of the attempt
    and its write: the finish is decided again on the newer row, not refused as a conflict."""
    made, ids = setup(app, as_role)
    attempt_id = start(client, made)
    background = app.test_client()
    Auth(background).login("inspector-session@example.uz")
    raced = before_the_first_save(monkeypatch, lambda: post_answers(
        background, made, attempt_id, 1, {f"a-{ids['word']}": "mahal"}, json=True))

    finished = post_answers(client, made, attempt_id, 2, right_answers(ids), go="finish")

    assert raced == [200]
    assert finished.status_code == 302 and finished.location.endswith("/review")
    row = attempt_row(app, attempt_id)
    assert row.state == AttemptState.finished and row.seq == 2 and row.score == 1.0


def test_an_older_save_losing_the_race_is_stale(app, as_role, client, monkeypatch) -> None:
    """The other way round: a background save read the attempt, the page's newer save
    committed first; the background save is then stale, and the newer answers stay."""
    made, ids = setup(app, as_role)
    attempt_id = start(client, made)
    button = app.test_client()
    Auth(button).login("inspector-session@example.uz")
    raced = before_the_first_save(monkeypatch, lambda: post_answers(
        button, made, attempt_id, 2, {f"a-{ids['word']}": "newer"}, go="page-1"))

    older = post_answers(client, made, attempt_id, 1, {f"a-{ids['word']}": "older"}, json=True)

    assert raced == [302]
    assert older.status_code == 409 and older.json == {"error": "stale", "seq": 2}
    assert attempt_row(app, attempt_id).answers == {str(ids["word"]): "newer"}


def test_answers_after_the_deadline_and_grace_are_not_graded(app, client, as_role) -> None:
    made, ids = setup(app, as_role, time_limit=10)
    attempt_id = start(client, made)
    post_answers(client, made, attempt_id, 1, {f"a-{ids['tf']}": "true"}, json=True)
    with app.app_context():
        row = db.session.get(Attempt, attempt_id)
        assert row.deadline is not None
        assert timedelta(minutes=9) < row.deadline - row.started_at <= timedelta(minutes=10)
        row.deadline = utcnow() - timedelta(seconds=31)
        db.session.commit()

    late = post_answers(client, made, attempt_id, 2, right_answers(ids), json=True)

    assert late.status_code == 409 and late.json["error"] == "too_late"
    row = attempt_row(app, attempt_id)
    assert row.state == AttemptState.finished and row.late
    assert row.answers == {str(ids["tf"]): "true"}
    assert abs(row.score - 1 / 6) < 1e-9
    review = client.get(f"/courses/{made['slug']}/attempts/{attempt_id}/review")
    assert "arrived after the time limit" in review.get_data(as_text=True)


def test_within_the_grace_answers_still_count(app, client, as_role) -> None:
    made, ids = setup(app, as_role, time_limit=10)
    attempt_id = start(client, made)
    with app.app_context():
        row = db.session.get(Attempt, attempt_id)
        row.deadline = utcnow() - timedelta(seconds=5)
        db.session.commit()

    saved = post_answers(client, made, attempt_id, 1, {f"a-{ids['tf']}": "true"}, json=True)

    assert saved.status_code == 200


def test_the_deadline_never_passes_the_close_date(app, client, as_role) -> None:
    with app.app_context():
        made = make_course(time_limit=60, closes_at=utcnow() + timedelta(minutes=5))
    as_role("inspector")

    attempt_id = start(client, made)

    row = attempt_row(app, attempt_id)
    assert row.deadline - row.started_at <= timedelta(minutes=5)


def test_without_javascript_the_quiz_goes_page_by_page(app, client, as_role) -> None:
    made, ids = setup(app, as_role, per_page=4)
    attempt_id = start(client, made)
    url = f"/courses/{made['slug']}/attempts/{attempt_id}"
    first = client.get(url).get_data(as_text=True)
    assert "Page 1 of 2" in first and "Next page" in first

    moved = post_answers(client, made, attempt_id, 1, {f"a-{ids['age']}": "18"}, go="page-2")

    assert moved.status_code == 302 and moved.headers["Location"].endswith("page=2")
    second = client.get(moved.headers["Location"]).get_data(as_text=True)
    # Two questions on the second page (the header's search box has a "q" of its own).
    assert second.count('type="hidden" name="q"') == 2 and 'name="seq" value="2"' in second


def test_attempts_run_out(app, client, as_role) -> None:
    made, ids = setup(app, as_role, max_attempts=1)
    attempt_id = start(client, made)
    client.post(f"/courses/{made['slug']}/attempts/{attempt_id}/finish")

    again = client.post(f"/courses/{made['slug']}/quizzes/{made['quiz_id']}/start",
                        follow_redirects=True)

    assert "used all your attempts" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_a_closed_or_unopened_quiz_cannot_be_started(app, client, as_role) -> None:
    with app.app_context():
        made = make_course(opens_at=utcnow() + timedelta(days=1))
    as_role("inspector")

    page = client.post(f"/courses/{made['slug']}/quizzes/{made['quiz_id']}/start",
                       follow_redirects=True)

    assert "not open yet" in page.get_data(as_text=True)


def test_nobody_else_reaches_an_attempt(app, client, as_role, auth) -> None:
    made, ids = setup(app, as_role)
    attempt_id = start(client, made)
    auth.logout()
    with app.app_context():
        make_user("inspector", "other@example.uz")
    auth.login("other@example.uz")

    assert client.get(f"/courses/{made['slug']}/attempts/{attempt_id}").status_code == 404
    assert client.get(f"/courses/{made['slug']}/attempts/{attempt_id}/review").status_code \
        == 404
    assert post_answers(client, made, attempt_id, 5, {f"a-{ids['tf']}": "true"}).status_code \
        == 404


def test_shuffled_choices_keep_their_identity(app, client, as_role) -> None:
    made, ids = setup(app, as_role, shuffle_choices=True, shuffle_questions=True, per_page=10)
    attempt_id = start(client, made)

    post_answers(client, made, attempt_id, 1, right_answers(ids), go="finish")

    assert attempt_row(app, attempt_id).score == 1.0
    with app.app_context():
        assert db.session.get(Quiz, made["quiz_id"]).shuffle_questions


def test_a_trainer_previews_without_becoming_a_learner(app, client, auth) -> None:
    with app.app_context():
        made = make_course(max_attempts=1)
    auth.login("author@example.uz")

    page = client.get(f"/courses/{made['slug']}/quizzes/{made['quiz_id']}").get_data(
        as_text=True)
    first = start(client, made)
    client.post(f"/courses/{made['slug']}/attempts/{first}/finish")
    second = start(client, made)  # previews are not limited by the attempts allowed

    assert "Preview the quiz" in page
    assert attempt_row(app, first).preview and attempt_row(app, second).preview
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0
    report = client.get(f"/courses/{made['slug']}/quizzes/{made['quiz_id']}/report")
    assert "0 finished attempts" in report.get_data(as_text=True)
