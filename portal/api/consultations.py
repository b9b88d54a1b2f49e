"""Consultation intake and tracking over the API: the form's rules, limits, consent and
one-time key (see :func:`portal.consultations.intake.send_request`), JSON in and out. The
reference and the code travel in bodies, never in URLs; every answer is ``no-store``."""

from __future__ import annotations

import json
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.api import schemas as s
from portal.api.errors import ApiError
from portal.api.registry import Api, Reply
from portal.consultations import configuration, intake, services
from portal.consultations.models import OPEN_STATUSES, STATUS_LABELS, ConsultationRequest
from portal.content.attachments import AttachmentError
from portal.extensions import db


def register(api: Api) -> None:
    @api.operation("/consultations/topics", summary=_l("What a consultation can be about"),
                   tag="consultations",
                   description=_l("The active topics with their extra questions, and the "
                                  "current consent text to show before sending."),
                   query=s.LangQuery, response=s.ConsultationTopicList)
    def consultation_topics(query: s.LangQuery) -> s.ConsultationTopicList:
        consent = configuration.current_consent(g.api_language)
        return s.ConsultationTopicList(
            items=[s.ConsultationTopicOut(
                slug=t.slug, name=t.name, response_days=t.response_days,
                fields=[s.ExtraFieldOut(name=f.name, label=f.label, kind=f.kind.value,
                                        required=f.required, choices=list(f.choices or []))
                        for f in t.fields])
                for t in configuration.active_topics()],
            consent_version=consent.version if consent else 0,
            consent_text=consent.text if consent else None)

    @api.operation("/consultations", method="POST", summary=_l("Ask for a consultation"),
                   tag="consultations",
                   description=_l("Answers the reference and the tracking code, once. Send an "
                                  "Idempotency-Key: a retry with the same key creates nothing "
                                  "and answers the same reference (without the code)."),
                   body=s.ConsultationIn, headers=s.IdempotencyHeader,
                   response=s.ConsultationCreated, status=201,
                   also={200: s.ConsultationCreated}, private=True,
                   errors=(400, 409, 413, 415, 422, 429),
                   example={"topic": "family", "name": "Zulfiya Rahimova",
                            "phone": "+998 90 123 45 67", "region": "Toshkent shahri",
                            "language": "ru", "question": "...", "consent": True,
                            "consent_version": 1})
    def consultation_create(body: s.ConsultationIn, headers: s.IdempotencyHeader) -> Reply:
        data = _request_input(body)
        key = None
        if headers.idempotency_key:
            # Stored apart from the form's keys, with the body it came with: the same key with
            # another request is the client's mistake, not a retry.
            content = json.dumps(body.model_dump(mode="json"), sort_keys=True)
            try:
                key = intake.api_key_for(headers.idempotency_key, content)
            except intake.KeyReused:
                raise ApiError(422, code="idempotency_key_reused", fields={
                    "Idempotency-Key": [_("This request was sent already.")]}) from None
        try:
            outcome = intake.send_request(data, user_id=None, form_key=key,
                                          address=intake.client_address())
        except (services.InvalidInput, AttachmentError) as error:
            raise ApiError(422, str(error)) from None
        if outcome.retry_after:
            raise ApiError(429, intake.too_many_requests(outcome.retry_after),
                           headers={"Retry-After": str(outcome.retry_after)})
        sent = outcome.request
        assert sent is not None
        created = s.ConsultationCreated(reference=sent.reference, tracking_code=outcome.code,
                                        status=sent.status.value, due_at=sent.due_at)
        return Reply(created, status=200 if outcome.repeated else 201)

    @api.operation("/consultations/track", method="POST",
                   summary=_l("Follow a consultation request"), tag="consultations",
                   description=_l("The reference and the tracking code go in the body. A wrong "
                                  "reference and a wrong code get the same answer."),
                   body=s.TrackIn, response=s.Tracked, private=True,
                   errors=(400, 404, 413, 415, 422, 429),
                   example={"reference": "HQ-2026-000123", "code": "ABCD-EFGH-JKMN"})
    def consultation_track(body: s.TrackIn) -> s.Tracked:
        result = services.track(body.reference, body.code, intake.client_address())
        db.session.commit()  # the attempt counts, found or not
        if result.retry_after:
            raise ApiError(429, intake.too_many_tracking_attempts(result.retry_after),
                           headers={"Retry-After": str(result.retry_after)})
        if result.request is None:
            raise ApiError(404, intake.no_such_request())
        return _tracked(result.request)


def _request_input(body: s.ConsultationIn) -> services.RequestInput:
    """The body as the intake's input, checked as the form checks it beyond what the model
    checked (the topic, its extra fields, the phone and the address as the form reads them):
    422 with every field that needs correcting, nothing written."""
    fields: dict[str, list[str]] = {}
    topic = configuration.topic_by_slug(body.topic)
    if topic is None:
        fields["topic"] = [_("Choose a topic.")]
    if services.normalise_phone(body.phone) is None:
        fields["phone"] = [_("Give an Uzbek phone number: +998 and nine digits.")]
    if body.email:
        try:
            validate_email(body.email, check_deliverability=False)
        except EmailNotValidError:
            fields["email"] = [_("Give a valid email address, e.g. name@example.uz.")]
    version = configuration.current_consent_version()
    answers: dict[str, Any] = {}
    if topic is not None:
        answers, extra_errors = configuration.clean_extra_answers(topic, body.extra)
        for name, message in extra_errors.items():
            fields[f"extra.{name}"] = [str(message)]
    if fields or topic is None:
        raise ApiError(422, fields=fields)
    if body.consent_version != version:
        # Not a wrong field: the text changed since the client read it (a conflict).
        raise ApiError(409, _("The consent text has changed: read the current one and agree "
                              "again."), code="consent_changed",
                       fields={"consent_version": [_("The current version is %(n)s.",
                                                     n=version)]})
    return services.RequestInput(
        topic_id=topic.id, name=body.name, phone=body.phone, question=body.question,
        language=body.language, consent_version=version,
        contact_way=body.contact_way.value, contact_time=body.contact_time.value,
        email=body.email, region=body.region, district=body.district, mahalla=body.mahalla,
        extra_answers=answers, publish_consent=body.publish_consent)


def _tracked(found: ConsultationRequest) -> s.Tracked:
    return s.Tracked(
        reference=found.reference, status=found.status.value,
        status_label=str(STATUS_LABELS[found.status]), topic=found.topic.name,
        created_at=found.created_at,
        due_at=found.due_at if found.status in OPEN_STATUSES else None,
        anonymised=found.is_anonymised,
        messages=[s.MessageOut(kind=m.kind.value, body=m.body, created_at=m.created_at)
                  for m in services.public_messages(found)])
