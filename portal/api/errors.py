"""Errors of the API: one JSON shape for every refusal, never an HTML page."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

#: Stable machine-readable codes by status; clients branch on these, not on the message.
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
    413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_failed",
    429: "too_many_requests", 500: "server_error",
}

MESSAGES: dict[int, Any] = {
    400: _l("The request could not be understood."),
    401: _l("A valid access token is needed: send it as "
            "\u201cAuthorization: Bearer <token>\u201d."),
    403: _l("Your access token does not allow this."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept this method."),
    409: _l("Someone else changed this at the same moment. Try again."),
    413: _l("The request body is larger than the API accepts."),
    415: _l("Send the body as JSON (Content-Type: application/json)."),
    422: _l("Some fields need correcting."),
    429: _l("Too many requests. Wait and try again."),
    500: _l("The portal could not finish your request. Nothing was saved."),
}

#: pydantic's error types and what a person reads for them (pydantic's own texts are English).
_FIELD_MESSAGES: dict[str, Any] = {
    "missing": _l("This field is required."),
    "string_type": _l("Give a text."),
    "int_parsing": _l("Give a whole number."),
    "int_type": _l("Give a whole number."),
    "int_from_float": _l("Give a whole number."),
    "bool_parsing": _l("Give true or false."),
    "bool_type": _l("Give true or false."),
    "dict_type": _l("Give an object."),
    "model_type": _l("Give an object."),
    "list_type": _l("Give a list."),
    "extra_forbidden": _l("This field is not known."),
    "uuid_parsing": _l("Give a UUID, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e."),
    "uuid_type": _l("Give a UUID, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e."),
    "float_parsing": _l("Give a number."),
    "float_type": _l("Give a number."),
    "int_parsing_size": _l("Give a whole number."),
    "date_parsing": _l("Give a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": _l("Give a date as YYYY-MM-DD."),
    "date_type": _l("Give a date as YYYY-MM-DD."),
    "string_unicode": _l("Give a text."),
}
#: What a person reads for any other refusal: never pydantic's own English text, which can
#: hold raw patterns and type names.
_FIELD_FALLBACK = _l("Some fields need correcting.")


class ApiError(Exception):
    """A refusal with its status; *fields* maps a field name to its messages."""

    def __init__(self, status: int, message: Any = None, *, code: str | None = None,
                 fields: dict[str, list[str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.message = str(message if message is not None else MESSAGES.get(status,
                                                                            MESSAGES[500]))
        self.code = code or CODES.get(status, "error")
        self.fields = fields or {}
        self.headers = headers or {}


def field_messages(error: ValidationError, *,
                   hints: Mapping[str, Any] | None = None) -> dict[str, list[str]]:
    """pydantic's errors as ``{"field": ["message", ...]}`` in the request's language.
    *hints* maps a field to the message for any wrong value of it (a model's
    ``error_hints``): "give an Uzbek phone number" says more than "wrong form"."""
    found: dict[str, list[str]] = {}
    for item in error.errors(include_url=False):
        name = ".".join(str(part) for part in item.get("loc", ()) if part != "__root__")
        kind = item.get("type", "")
        context = item.get("ctx") or {}
        if hints and name in hints and kind != "missing":
            text = str(hints[name])
        elif kind == "value_error" and context.get("error") is not None:
            text = str(context["error"])  # our own validators' (translated) messages
        elif kind == "string_too_long":
            text = str(_l("At most %(n)s characters.", n=context.get("max_length")))
        elif kind == "string_too_short":
            text = str(_l("This field is required.")) if context.get("min_length") == 1 \
                else str(_l("At least %(n)s characters.", n=context.get("min_length")))
        elif kind in ("greater_than_equal", "greater_than"):
            text = str(_l("Give a number of at least %(n)s.",
                          n=context.get("ge", context.get("gt"))))
        elif kind in ("less_than_equal", "less_than"):
            text = str(_l("Give a number of at most %(n)s.",
                          n=context.get("le", context.get("lt"))))
        elif kind in ("enum", "literal_error"):
            # pydantic joins the last two with an English "or".
            values = str(context.get("expected", "")).replace("' or '", "', '")
            text = str(_l("Choose one of: %(values)s.", values=values))
        elif kind == "string_pattern_mismatch":
            text = _pattern_message(item.get("input"))
        elif kind in _FIELD_MESSAGES:
            text = str(_FIELD_MESSAGES[kind])
        else:
            text = str(_FIELD_FALLBACK)
        found.setdefault(name or "body", []).append(text)
    return found


def _pattern_message(value: Any) -> str:
    """A text that does not have the form a pattern asks for: empty (or blank), with control
    characters, or in some other form."""
    if isinstance(value, str) and not value.strip():
        return str(_l("This field is required."))
    if isinstance(value, str) and any(ord(c) < 32 or ord(c) == 127 for c in value):
        return str(_l("Remove the control characters from this text."))
    return str(_FIELD_FALLBACK)


def error_body(message: str, code: str,
               fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def response_for(error: ApiError) -> Response:
    response = current_app.response_class(
        json.dumps(error_body(error.message, error.code, error.fields),
                   ensure_ascii=False),
        status=error.status, mimetype="application/json")
    for name, value in error.headers.items():
        response.headers[name] = value
    # An error is about this one request: no cache keeps it. Its message is in the asked
    # language, and what the token may see decides some answers.
    response.headers["Cache-Control"] = "no-store"
    response.vary.update(("Accept-Language", "Authorization"))
    return response


def from_http(error: HTTPException) -> ApiError:
    """Werkzeug's exception (404, 405, 413, ...) as an API error, keeping its headers
    (``Allow`` of a 405)."""
    status = error.code or 500
    headers = {}
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            headers[name] = value
    return ApiError(status, headers=headers)
