"""The OpenAPI 3.1 document, made from the operations' records and their pydantic models
(the same models that validate requests and serialise answers)."""

from __future__ import annotations

import re
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from pydantic import BaseModel

from portal.api import schemas as s
from portal.api.errors import MESSAGES
from portal.api.registry import Api, Operation
from portal.web import MAX_ID

REF = "#/components/schemas/{model}"
#: ``<converter:name>`` or ``<name>`` in a Flask rule.
_RULE_PARAM = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

TAG_DESCRIPTIONS = {
    "content": "Published guides, topics, courses, webinars, the cooperation register, search.",
    "consultations": "Ask for a legal consultation and follow it.",
    "personal": "The owner of a personal access token: their own record.",
    "exports": "Staff exports: a token with exports:read and the permission of the page.",
}


def tag_names() -> dict[str, str]:
    """Headings of the groups, in the request's language."""
    return {"content": _("Published content"), "consultations": _("Consultations"),
            "personal": _("My data"), "exports": _("Staff exports")}


def openapi_path(rule: str) -> str:
    return _RULE_PARAM.sub(lambda m: "{" + m.group("name") + "}", rule)


class _Schemas:
    """Collects the components: each model once, by name."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str = "serialization") -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        self.components.update(schema.pop("$defs", {}))
        self.components[model.__name__] = schema
        return {"$ref": REF.format(model=model.__name__)}

    def inline(self, model: type[BaseModel]) -> dict[str, Any]:
        """A parameters model's own schema (its properties become parameters)."""
        schema = model.model_json_schema(ref_template=REF, mode="validation")
        self.components.update(schema.pop("$defs", {}))
        return schema


def _error(schemas: _Schemas, status: int) -> dict[str, Any]:
    return {"description": str(MESSAGES.get(status, MESSAGES[500])),
            "content": {"application/json": {"schema": schemas.ref(s.Error)}}}


def _parameters(op: Operation, schemas: _Schemas) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for match in _RULE_PARAM.finditer(op.rule):
        name = match.group("name")
        schema = op.path_params.get(name) or (
            {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            if match.group("converter") in ("id", "int") else {"type": "string"})
        found.append({"name": name, "in": "path", "required": True, "schema": schema})
    for model, where in ((op.query, "query"), (op.headers, "header")):
        if model is None:
            continue
        schema = schemas.inline(model)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = _present(dict(prop))
            description = prop.pop("description", None)
            prop.pop("title", None)
            entry: dict[str, Any] = {"name": name, "in": where, "required": name in required,
                                     "schema": prop}
            if description:
                entry["description"] = description
            found.append(entry)
    return found


def _present(prop: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without pydantic's "or null": a query argument or a header is
    there or not, it is never JSON null (a client would send the text "null")."""
    options = prop.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o != {"type": "null"}]
        if len(kept) == 1:
            prop.pop("anyOf")
            prop = {**kept[0], **prop}
    if prop.get("default", "") is None:
        prop.pop("default")
    return prop


def _operation(op: Operation, schemas: _Schemas) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.endpoint, "summary": str(op.summary), "tags": [op.tag],
        "parameters": _parameters(op, schemas), "responses": {},
    }
    if op.description:
        doc["description"] = str(op.description)
    if op.body is not None:
        content: dict[str, Any] = {"schema": schemas.ref(op.body, mode="validation")}
        if op.example:
            content["example"] = op.example
        doc["requestBody"] = {"required": True, "content": {"application/json": content}}
    headers = {}
    if op.conditional:
        headers = {"ETag": {"schema": {"type": "string"}},
                   "Last-Modified": {"schema": {"type": "string"},
                                     "description": "Where the data has a time of change."}}
    for status, model in op.responses.items():
        entry: dict[str, Any] = {"description": str(op.summary)}
        if model is not None:
            entry["content"] = {"application/json": {"schema": schemas.ref(model)}}
        if headers and status == 200:
            entry["headers"] = headers
        doc["responses"][str(status)] = entry
    if op.conditional:
        doc["responses"]["304"] = {"description": "Not modified since the ETag or the date "
                                                  "the request gave (If-None-Match, "
                                                  "If-Modified-Since)."}
    statuses = set(op.errors) | {401}  # any request with a bad token is refused
    if op.query is not None or op.headers is not None:
        statuses.add(422)
    if op.path_params or "<" in op.rule:
        statuses.add(404)
    if op.scope is not None:
        statuses.add(403)
        doc["security"] = [{"bearerAuth": [op.scope]}]
    else:
        # A token is optional: with one, its owner may see more (items for inspectors).
        doc["security"] = [{}, {"bearerAuth": []}]
    for status in sorted(statuses):
        doc["responses"][str(status)] = _error(schemas, status)
        if status == 401:
            doc["responses"]["401"]["headers"] = {"WWW-Authenticate": {
                "schema": {"type": "string"}}}
        if status == 429:
            doc["responses"]["429"]["headers"] = {"Retry-After": {
                "schema": {"type": "string"}, "description": "Seconds to wait."}}
    return doc


def _live_choices(components: dict[str, Any]) -> None:
    """Values only the database knows, as the document's enums: the active consultation
    topics (a client learns what it may send; a generated client sends nothing else)."""
    from portal.consultations import configuration

    topic = components.get("ConsultationIn", {}).get("properties", {}).get("topic")
    slugs = [t.slug for t in configuration.active_topics()]
    if topic is not None and slugs:
        topic["enum"] = slugs


def document(api: Api) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in api.operations:
        path = openapi_path(op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, schemas)
    schemas.ref(s.Error)
    _live_choices(schemas.components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Huquq Portal API", "version": "1.0.0",
            "description": (
                "Published legal guides, courses, webinars, the international cooperation "
                "register and search; consultation requests; with a personal access token, "
                "one's learning record and staff exports. Every answer is JSON; every refusal "
                "has the shape {\"error\": {\"code\", \"message\", \"fields\"}}. Choose the "
                "language with ?lang=uz|ru|en or the Accept-Language header."),
        },
        "servers": [{"url": url_for("api.index", _external=True).rstrip("/")}],
        "tags": [{"name": name, "description": text}
                 for name, text in TAG_DESCRIPTIONS.items()],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A personal access token made on the account page, sent as "
                               "\"Authorization: Bearer <token>\". Scopes: learning:read, "
                               "exports:read."}},
        },
    }
