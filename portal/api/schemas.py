"""The API's schemas: what each endpoint takes (query parameters, bodies) and gives back.

The same classes validate requests, serialise responses and, through their JSON Schema, make the
OpenAPI document (:mod:`portal.api.openapi`): a field changed here changes all three.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    model_validator,
)

from portal.consultations.intake import (
    EMAIL_LENGTH,
    NAME_LENGTH,
    PLACE_LENGTH,
    QUESTION_LENGTH,
    REGIONS,
)
from portal.consultations.models import ContactTime, ContactWay
from portal.cooperation.models import RecordKind, RecordStatus
from portal.materials.models import Audience
from portal.web import MAX_ID, MAX_PAGE

#: Most items a page of any listing holds.
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def _plain_text(value: str) -> str:
    """Text a person could type: no control characters (besides tab and line breaks) and no
    lone surrogates (JSON allows ``"\\ud800"``; no database stores it)."""
    if _CONTROLS.search(value) or _SURROGATES.search(value):
        raise ValueError(_l("Remove the control characters from this text."))
    return value


#: A one-line query argument: no control characters at all.
Arg = Annotated[str, StringConstraints(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]
#: Free text of a body, tab and line breaks allowed.
Text = Annotated[str, AfterValidator(_plain_text)]
Language = Literal["uz", "ru", "en"]


class Schema(BaseModel):
    """Responses: every field is given (no surprise defaults in the document)."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """Query parameters; unknown ones are ignored, as a web page would."""

    model_config = ConfigDict(extra="ignore")


class LangQuery(Query):
    lang: Language | None = Field(
        None, description="Language of the answer's labels and the preferred language of "
                          "items; without it the Accept-Language header decides.")


class PageQuery(LangQuery):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    per_page: int = Field(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE,
                          description="Items a page; at most 100.")


# Errors -----------------------------------------------------------------------------------


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. validation_failed.")
    message: str = Field(description="What went wrong, in the request's language.")
    fields: dict[str, list[str]] = Field(
        description="Messages per field of the query or body that needs correcting.")


class Error(Schema):
    """Every refusal of the API has this shape."""

    error: ErrorDetail


# Pages --------------------------------------------------------------------------------------


class PageLinks(Schema):
    self: str
    first: str
    last: str
    prev: str | None
    next: str | None


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int = Field(description="Items on all pages.")
    pages: int = Field(description="Number of pages (at least 1).")
    links: PageLinks


# Topics ---------------------------------------------------------------------------------------


class TopicOut(Schema):
    slug: str
    name: str = Field(description="In the request's language.")


class TopicList(Page[TopicOut]):
    pass


# Guides ---------------------------------------------------------------------------------------


class GuideQuery(PageQuery):
    topic: Arg | None = Field(None, description="A topic's slug.")
    language: Language | None = Field(None, description="Only guides in this language.")
    audience: Audience | None = None


class GuideSummary(Schema):
    slug: str
    title: str
    summary: str
    language: str
    audience: str
    topics: list[str]
    published_at: datetime | None
    updated_at: datetime
    url: str = Field(description="The guide's page on the portal.")
    api_url: str


class GuideList(Page[GuideSummary]):
    pass


class Translation(Schema):
    language: str
    slug: str
    api_url: str


class Guide(GuideSummary):
    body_markdown: str
    body_html: str = Field(description="The body rendered to safe HTML (no scripts, no "
                                       "raw HTML from the author).")
    legal_references: list[str]
    reviewed_on: date | None
    expires_at: datetime | None
    reading_minutes: int
    translations: list[Translation]


# Courses ------------------------------------------------------------------------------------


class CourseOut(Schema):
    slug: str
    title: str
    summary: str
    language: str
    audience: str
    topics: list[str]
    credit_hours: float
    certificate_valid_months: int | None
    published_at: datetime | None
    url: str


class CourseList(Page[CourseOut]):
    pass


# Webinars -----------------------------------------------------------------------------------


class WebinarQuery(PageQuery):
    when: Literal["upcoming", "past"] = Field(
        "upcoming", description="upcoming: not started yet, soonest first; past: started, "
                                "latest first.")
    topic: Arg | None = Field(None, description="A topic's slug.")
    language: Language | None = None


class WebinarOut(Schema):
    id: int
    title: str
    summary: str
    speakers: list[str]
    language: str
    audience: str
    topics: list[str]
    starts_at: datetime
    duration_minutes: int
    capacity: int
    seats_taken: int
    registration: str = Field(description="open, not_yet, closed or past.")
    credit_hours: float
    recording_url: str | None
    url: str


class WebinarList(Page[WebinarOut]):
    pass


# Cooperation --------------------------------------------------------------------------------


class CooperationQuery(PageQuery):
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$",
                                description="ISO 3166-1 alpha-2 code of a partner's country.")
    partner: int | None = Field(None, ge=1, le=MAX_ID, description="A partner's id.")
    kind: RecordKind | None = None
    status: RecordStatus | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    topic: Arg | None = None
    q: Arg | None = Field(None, description="Words of the title.")
    sort: Literal["year", "title", "kind", "status"] = "year"
    dir: Literal["asc", "desc"] | None = Field(
        None, description="Default: desc for year, asc for the others.")


class PartnerOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    country: str | None
    country_name: str | None
    website: str | None


class CooperationRecordOut(Schema):
    id: int
    url: str
    title: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    year: int | None
    language: str
    signed_on: date | None
    starts_on: date | None
    ends_on: date | None
    renew_on: date | None
    people_trained: int | None
    summary: str
    outcomes: str
    partners: list[PartnerOut]
    topics: list[str]
    published_at: datetime | None


class CooperationList(Page[CooperationRecordOut]):
    pass


class PartnerWithCount(PartnerOut):
    records: int = Field(description="Published records naming the partner.")


class PartnerList(Page[PartnerWithCount]):
    pass


# Search --------------------------------------------------------------------------------------


class SearchQuery(LangQuery):
    q: str = Field("", max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$",
                   description="Words, \"quoted phrases\", -excluded words.")
    sort: Literal["relevance", "date"] = "relevance"
    type: Arg | None = Field(None, description="material, course, lesson, webinar, "
                                               "cooperation or partner.")
    topic: Arg | None = None
    language: Arg | None = None
    year: Arg | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(10, ge=1, le=50)


class Hit(Schema):
    key: str
    type: str
    type_label: str
    title: str
    url: str
    language: str
    date: datetime | None
    summary: str
    snippet_html: str = Field(description="Passages with the matches in <b class=\"match\">.")


class FacetValue(Schema):
    value: str
    count: int
    label: str


class SearchResults(Page[Hit]):
    facets: dict[str, list[FacetValue]]
    suggestion: str | None


# Consultations ------------------------------------------------------------------------------


class ExtraFieldOut(Schema):
    name: str
    label: str
    kind: str
    required: bool
    choices: list[str]


class ConsultationTopicOut(Schema):
    slug: str
    name: str
    response_days: int = Field(description="Working days to the first answer.")
    fields: list[ExtraFieldOut] = Field(description="Questions this topic adds; answers go "
                                                    "into the request's extra.")


class ConsultationTopicList(Schema):
    items: list[ConsultationTopicOut]
    consent_version: int = Field(description="Send it back as consent_version.")
    consent_text: str | None


#: What the form's phone check takes: separators anywhere, nine digits, or twelve that start
#: with 998 (see :func:`portal.consultations.services.normalise_phone`).
_SEP = r"[\s\-().]*"
PHONE_PATTERN = (rf"^\s*\+?{_SEP}(?:9{_SEP}9{_SEP}8{_SEP})?(?:[0-9]{_SEP}){{9}}$")
#: A line of text: no control characters, and something besides spaces.
_LINE = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
_LINE_OR_EMPTY = r"^[^\x00-\x1f\x7f]*$"
#: An extra field's name, as the topics' settings allow them.
_FIELD_NAME = r"^[a-z][a-z0-9_]{0,39}$"
#: Text with line breaks, and something besides spaces.
_PARAGRAPHS = (r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f]"
               r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")


def _line(max_length: int, *, required: bool = True) -> Any:
    return Annotated[str, StringConstraints(
        max_length=max_length, pattern=_LINE if required else _LINE_OR_EMPTY),
        AfterValidator(_plain_text)]


#: One of the fourteen regions, as the form stores it: the check and the document's enum.
Region: Any = Literal[tuple(value for value, _label in REGIONS)]


class ConsultationIn(BaseModel):
    """A consultation request. The same rules as the portal's form."""

    #: What a wrong value of these fields reads (see :func:`portal.api.errors.field_messages`).
    error_hints: ClassVar[dict[str, Any]] = {
        "phone": _l("Give an Uzbek phone number: +998 and nine digits."),
        "region": _l("Choose your region.")}
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        # Contact by email needs the address (the form's rule, as JSON Schema).
        "if": {"properties": {"contact_way": {"const": "email"}}, "required": ["contact_way"]},
        "then": {"required": ["email"], "properties": {"email": {"minLength": 3}}}})

    topic: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="A consultation topic's slug (GET /consultations/topics).")
    name: _line(NAME_LENGTH)  # type: ignore[valid-type]
    phone: Annotated[str, StringConstraints(max_length=40, pattern=PHONE_PATTERN)] = Field(
        description="An Uzbek number: +998 and nine digits, spaces and dashes allowed.")
    email: Annotated[str, StringConstraints(max_length=EMAIL_LENGTH),
                     AfterValidator(_plain_text)] = Field(
        "", json_schema_extra={"anyOf": [{"format": "email"}, {"maxLength": 0}]})
    contact_way: ContactWay = ContactWay.phone
    contact_time: ContactTime = ContactTime.any
    region: Region = Field(  # type: ignore[valid-type]
        description="One of the fourteen regions, as the form stores it.")
    district: _line(PLACE_LENGTH, required=False) = ""  # type: ignore[valid-type]
    mahalla: _line(PLACE_LENGTH, required=False) = ""  # type: ignore[valid-type]
    language: Language = Field(description="Language of the answer and of the mails.")
    question: Annotated[str, StringConstraints(max_length=QUESTION_LENGTH, pattern=_PARAGRAPHS),
                        AfterValidator(_plain_text)]
    consent: Literal[True] = Field(description="Agreement to the processing of personal "
                                               "data; must be true.")
    consent_version: int = Field(ge=0, le=MAX_ID, description="The version agreed to; "
                                 "409 when the text has changed since.")
    publish_consent: bool = False
    extra: dict[Annotated[str, StringConstraints(pattern=_FIELD_NAME)],
                Annotated[str, StringConstraints(max_length=1000, pattern=_LINE_OR_EMPTY),
                          AfterValidator(_plain_text)]] = Field(
        default_factory=dict, max_length=50,
        description="Answers to the topic's extra fields, by field name.",
        # The key rule as generators read it too (some ignore propertyNames).
        json_schema_extra={"patternProperties": {_FIELD_NAME: {
            "type": "string", "maxLength": 1000, "pattern": _LINE_OR_EMPTY}},
            "additionalProperties": False})

    @model_validator(mode="after")
    def _email_for_email_contact(self) -> ConsultationIn:
        if self.contact_way == ContactWay.email and not self.email.strip():
            raise ValueError(_l("Give your email address, or choose another way to be "
                                "contacted."))
        return self


class ConsultationCreated(Schema):
    reference: str
    tracking_code: str | None = Field(
        description="Shown once, never again; null when this was a repeat of an earlier "
                    "request with the same Idempotency-Key.")
    status: str
    due_at: datetime


class TrackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: _line(40)  # type: ignore[valid-type]
    code: _line(64)  # type: ignore[valid-type]


class MessageOut(Schema):
    kind: str = Field(description="public_reply or citizen_message.")
    body: str
    created_at: datetime


class Tracked(Schema):
    reference: str
    status: str
    status_label: str
    topic: str
    created_at: datetime
    due_at: datetime | None = Field(description="While an answer is owed.")
    anonymised: bool
    messages: list[MessageOut]


class IdempotencyHeader(BaseModel):
    error_hints: ClassVar[dict[str, Any]] = {
        "Idempotency-Key": _l("Give a UUID, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e.")}

    idempotency_key: str | None = Field(
        None, alias="Idempotency-Key",
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description="A random UUID (version 4) for this request: a retry with the same key "
                    "and the same body creates nothing new and answers with the same "
                    "reference; the same key with another body is refused (422, "
                    "idempotency_key_reused).")


# The token owner's learning record -----------------------------------------------------------


class AttemptOut(Schema):
    number: int
    state: str
    started_at: datetime
    finished_at: datetime | None
    late: bool
    score: float | None = Field(description="0..1; null while the quiz's review settings "
                                            "do not show it yet.")


class QuizOut(Schema):
    id: int
    title: str
    passed: bool
    attempts: list[AttemptOut]


class ProgressOut(Schema):
    done: int
    total: int
    percent: int


class CourseRef(Schema):
    slug: str
    title: str
    url: str


class EnrolmentOut(Schema):
    course: CourseRef
    source: str
    status: str = Field(description="not_started, in_progress, overdue or completed.")
    due_on: date | None
    started_at: datetime
    completed_at: datetime | None
    progress: ProgressOut
    quizzes: list[QuizOut]


class CertificateOut(Schema):
    code: str
    course_title: str
    issued_at: datetime
    expires_at: datetime | None
    status: str = Field(description="valid, expired or revoked.")
    verification_url: str
    pdf_url: str


class Learning(Schema):
    enrolments: list[EnrolmentOut]
    certificates: list[CertificateOut]


# Staff exports -------------------------------------------------------------------------------


class ParticipantOut(Schema):
    name: str
    email: str
    status: str
    status_label: str
    registered_at: datetime
    waiting_position: int | None
    attended: bool
    rating: int | None
    comment: str


class ParticipantList(Page[ParticipantOut]):
    pass


class QueueStatistics(Schema):
    """Counts only: no request, no name, no text."""

    by_status: dict[str, int]
    overdue: int
    total: int


class ApiIndex(Schema):
    openapi: str
    reference: str
    version: str



class OpenApiDocument(RootModel[dict[str, Any]]):
    """The OpenAPI 3.1 document of this API."""
