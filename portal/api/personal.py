"""Endpoints for the owner of a personal access token: their own learning record, and the
staff exports (each checks the same permission as its page on the portal)."""

from __future__ import annotations

from flask import g, url_for
from flask_babel import lazy_gettext as _l

from portal.api import schemas as s
from portal.api.content import cooperation_page
from portal.api.errors import ApiError
from portal.api.registry import Api, page_of, page_slice, require_permission
from portal.consultations import services as consultations
from portal.courses import attempts, learning
from portal.web import MAX_ID
from portal.webinars import registration
from portal.webinars.manage_views import managed


def register(api: Api) -> None:
    @api.operation("/me/learning", summary=_l("My learning record"), tag="personal",
                   description=_l("The token owner's courses with their progress and quiz "
                                  "attempts, and their certificates."),
                   query=s.LangQuery, response=s.Learning, scope="learning:read",
                   private=True)
    def my_learning(query: s.LangQuery) -> s.Learning:
        user = g.api_user
        rows = learning.learner_rows(learning.my_enrolments(user.id))
        enrolments = []
        for row in rows:
            e = row.enrolment
            quizzes = []
            for result in row.progress.quiz_results:
                quiz = result.quiz
                quizzes.append(s.QuizOut(id=quiz.id, title=quiz.title, passed=result.passed,
                                         attempts=[s.AttemptOut(
                    number=a.number, state=a.state.value, started_at=a.started_at,
                    finished_at=a.finished_at, late=a.late,
                    # The score only when the quiz's review settings show it to the learner.
                    score=a.score if attempts.review_allows(quiz, quiz.review_score, a)
                    else None) for a in result.tried]))
            enrolments.append(s.EnrolmentOut(
                course=s.CourseRef(slug=e.course.slug, title=e.course.title,
                                   url=url_for("courses.detail", slug=e.course.slug,
                                               _external=True)),
                source=e.source.value, status=row.status, due_on=e.due_on,
                started_at=e.started_at, completed_at=e.completed_at,
                progress=s.ProgressOut(done=row.progress.done, total=row.progress.total,
                                       percent=row.progress.percent),
                quizzes=quizzes))
        certificates = [s.CertificateOut(
            code=c.code, course_title=c.course_title, issued_at=c.issued_at,
            expires_at=c.expires_at, status=c.status,
            verification_url=url_for("learning.certificate", code=c.code, _external=True),
            pdf_url=url_for("learning.certificate_pdf_download", code=c.code, _external=True))
            for c in learning.certificates_of(user.id)]
        return s.Learning(enrolments=enrolments, certificates=certificates)

    @api.operation("/exports/cooperation", summary=_l("Export the cooperation register"),
                   tag="exports",
                   description=_l("The rows of the register's CSV export, with its filters."),
                   query=s.CooperationQuery, response=s.CooperationList, scope="exports:read")
    def export_cooperation(query: s.CooperationQuery) -> s.CooperationList:
        # The register's export page is public: the scope is the only check, as there.
        return cooperation_page(query)

    # <int:>, not the portal's <id:>: an id out of range must reach the view (a JSON 404),
    # where <id:> would end routing with the portal's HTML 404.
    @api.operation("/exports/webinars/<int:webinar_id>/participants",
                   summary=_l("Export a webinar's participants"), tag="exports",
                   description=_l("For the webinar's organisers, as the participants' CSV."),
                   query=s.PageQuery, response=s.ParticipantList, scope="exports:read",
                   private=True)
    def export_participants(webinar_id: int, query: s.PageQuery) -> s.ParticipantList:
        if not 0 < webinar_id <= MAX_ID:  # <int:> takes any number
            raise ApiError(404)
        # The organisers' pages' own check (the current user is the token's owner).
        webinar = managed(webinar_id)
        rows = registration.participants(webinar)
        items = [s.ParticipantOut(**registration.participant_record(r))
                 for r in page_slice(rows, query)]
        return s.ParticipantList(**page_of(items, len(rows), query))

    @api.operation("/exports/consultations/statistics",
                   summary=_l("Consultation queue statistics"), tag="exports",
                   description=_l("Requests the token's owner may see in the staff queue, "
                                  "counted by status: no personal data."),
                   response=s.QueueStatistics, scope="exports:read", private=True)
    def export_queue_statistics() -> s.QueueStatistics:
        user = g.api_user
        if not (user.can("consultation.answer") or user.can("consultation.supervise")):
            require_permission("consultation.answer")
        counts = consultations.queue_counts(user)
        overdue = counts.pop("overdue", 0)
        return s.QueueStatistics(by_status=counts, overdue=overdue, total=sum(counts.values()))

