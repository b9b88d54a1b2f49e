"""The JSON API, version 1, and its OpenAPI document: ``/api/v1/...``; the reference page at
``/api/``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from portal.api import consultations, content, personal
from portal.api import schemas as s
from portal.api.errors import ApiError, from_http, response_for
from portal.api.openapi import document, openapi_path, tag_names
from portal.api.registry import MAX_BODY, Api, choose_language, identify, language
from portal.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
api = Api(bp)

#: Methods the catch-all answers (with 404 or 405) besides those of real endpoints.
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.url_value_preprocessor
def _prepare(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Before anything reads the body: the API's own body limit. The caller and the language
    are settled here too, so every answer (errors included) knows them."""
    request.max_content_length = MAX_BODY
    from flask import g

    g.api_language = choose_language()


@bp.before_request
def _identify() -> None:
    with language():  # its refusals speak the request's language
        identify()


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> ResponseReturnValue:
    db.session.rollback()
    with language():
        return response_for(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    if error.code is not None and error.code < 400:
        return error
    db.session.rollback()
    with language():
        return response_for(from_http(error))


@bp.errorhandler(500)
def _server_error(error: Exception) -> ResponseReturnValue:
    db.session.rollback()
    with language():
        return response_for(ApiError(500))


def _register_operations() -> None:
    # /api/v1 without its slash too: a redirect would be an HTML page.
    @api.operation("/", summary=_l("Where the API's documents are"), tag="content",
                   response=s.ApiIndex, strict_slashes=False)
    def index() -> s.ApiIndex:
        from flask import url_for

        return s.ApiIndex(openapi=url_for("api.openapi_json", _external=True),
                          reference=url_for("api_reference", _external=True), version="1")

    @api.operation("/openapi.json", summary=_l("This API's OpenAPI 3.1 document"),
                   tag="content", response=s.OpenApiDocument)
    def openapi_json() -> s.OpenApiDocument:
        return s.OpenApiDocument(document(api))

    content.register(api)
    consultations.register(api)
    personal.register(api)


_register_operations()


def unknown(rest: str = "") -> ResponseReturnValue:
    """Any other address or method under the API, in JSON (Flask's own routing errors would
    answer the portal's HTML pages): OPTIONS of an address that exists answers 204 with its
    ``Allow``; another method 405 with ``Allow``; an address that does not exist 404."""
    allowed = _allowed_methods()
    if allowed and request.method == "OPTIONS":
        response = current_app.response_class(status=204)
        response.headers["Allow"] = ", ".join(allowed)
        del response.headers["Content-Type"]
        return response
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise NotFound()


def _allowed_methods() -> list[str]:
    """The methods the API's real endpoints answer at this request's address."""
    adapter = current_app.create_url_adapter(request)
    allowed = set()
    for method in _METHODS:
        try:
            endpoint, _values = adapter.match(request.path, method=method)  # type: ignore[union-attr]
        except HTTPException:
            continue
        if endpoint != "api.unknown":
            allowed.add(method)
    if "GET" in allowed:
        allowed.add("HEAD")
    return sorted(allowed | {"OPTIONS"}) if allowed else []


# Every other path below the prefix, and the methods the index does not answer. No automatic
# OPTIONS here (nor on the endpoints): its Allow would count this rule's methods.
bp.add_url_rule("/<path:rest>", "unknown", unknown, methods=[*_METHODS, "OPTIONS"],
                provide_automatic_options=False)
bp.add_url_rule("/", "unknown", unknown, methods=["POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                provide_automatic_options=False, strict_slashes=False)


def reference() -> ResponseReturnValue:
    """The readable reference, made from the OpenAPI document."""
    doc = document(api)
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            groups.setdefault(op["tags"][0], []).append(
                {"path": path, "method": method.upper(), **op})
    return render_template("api/reference.html", doc=doc, groups=groups, tags=tag_names(),
                           base=doc["servers"][0]["url"], components=doc["components"])


def init_app(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.add_url_rule("/api/", "api_reference", reference)


__all__ = ["api", "bp", "init_app", "openapi_path"]
