"""Each endpoint of the API is declared once, with :meth:`Api.operation`: its path, method,
summary, parameter/body/response models and the token scope it needs. The record both runs the
endpoint (validates the query and the body, checks the token, serialises the answer, makes
conditional GET work) and makes its entry in the OpenAPI document.
"""

from __future__ import annotations

import hashlib
import json as _json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from pydantic import BaseModel, ValidationError

from portal.accounts import tokens, two_factor
from portal.accounts.models import AnonymousUser
from portal.api.errors import ApiError, field_messages
from portal.api.schemas import PageLinks, PageQuery, SearchQuery
from portal.extensions import db, login_manager

#: Largest JSON body the API reads (a consultation request is a few kilobytes).
MAX_BODY = 64 * 1024

View = Callable[..., Any]


@dataclass(frozen=True)
class Reply:
    """What a view gives back besides the model: another status, the moment the data last
    changed (``Last-Modified``)."""

    body: BaseModel
    status: int = 200
    last_modified: datetime | None = None


@dataclass(frozen=True)
class Operation:
    endpoint: str
    #: Flask's rule below the blueprint's prefix, e.g. ``/guides/<slug>``.
    rule: str
    method: str
    summary: Any
    description: Any
    tag: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    headers: type[BaseModel] | None
    #: status -> response model (None: no body).
    responses: dict[int, type[BaseModel] | None]
    #: The token scope the endpoint needs; None: public (a token only widens what is seen).
    scope: str | None
    #: ETag / Last-Modified and 304 answers.
    conditional: bool
    #: ``Cache-Control: no-store`` (personal data).
    private: bool
    #: Other statuses the endpoint may answer (documented with the error model).
    errors: frozenset[int]
    #: Path parameters' JSON Schemas by name.
    path_params: dict[str, dict[str, Any]]
    example: dict[str, Any] | None = None


class Api:
    def __init__(self, bp: Blueprint) -> None:
        self.bp = bp
        self.operations: list[Operation] = []

    def operation(self, rule: str, *, method: str = "GET", summary: Any, tag: str,
                  description: Any = "", query: type[BaseModel] | None = None,
                  body: type[BaseModel] | None = None, headers: type[BaseModel] | None = None,
                  response: type[BaseModel] | None,
                  status: int = 200, also: dict[int, type[BaseModel] | None] | None = None,
                  scope: str | None = None,
                  private: bool = False, errors: tuple[int, ...] = (),
                  path_params: dict[str, dict[str, Any]] | None = None,
                  example: dict[str, Any] | None = None,
                  strict_slashes: bool = True) -> Callable[[View], View]:
        """Declare and route one endpoint. The view takes ``query=``/``body=``/``headers=``
        (the validated models, when declared) and the path's values, and returns a model of
        *response* or a :class:`Reply`."""

        def decorator(view: View) -> View:
            op = Operation(
                endpoint=view.__name__, rule=rule, method=method, summary=summary,
                description=description, tag=tag, query=query, body=body, headers=headers,
                responses={status: response, **(also or {})}, scope=scope,
                conditional=method == "GET",
                private=private, errors=frozenset(errors), path_params=path_params or {},
                example=example)

            @wraps(view)
            def run(**path: Any) -> Response:
                return _run(op, view, path)

            # No automatic OPTIONS: Flask's would answer HTML with an Allow that counts the
            # catch-all's methods; the catch-all answers OPTIONS instead.
            self.bp.add_url_rule(rule, endpoint=op.endpoint, view_func=run, methods=[method],
                                 provide_automatic_options=False,
                                 strict_slashes=strict_slashes)
            self.operations.append(op)
            return view

        return decorator


# Running an operation ----------------------------------------------------------------------------


def _run(op: Operation, view: View, path: dict[str, Any]) -> Response:
    with language():
        if op.scope is not None:
            require_scope(op.scope)
        kwargs: dict[str, Any] = dict(path)
        if op.query is not None:
            kwargs["query"] = _validate(op.query, request.args.to_dict(flat=True))
        if op.headers is not None:
            wanted = {name: request.headers[name] for name in _aliases(op.headers)
                      if name in request.headers}
            kwargs["headers"] = _validate(op.headers, wanted)
        if op.body is not None:
            kwargs["body"] = _validate(op.body, read_json())
        result = view(**kwargs)
        reply = result if isinstance(result, Reply) else Reply(result)
        expected = op.responses.get(reply.status)
        if expected is None or not isinstance(reply.body, expected):
            raise TypeError(f"{op.endpoint} answered {type(reply.body).__name__} "
                            f"with {reply.status}, not the declared model")
        return _respond(op, reply)


def _aliases(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, fields=field_messages(
            error, hints=getattr(model, "error_hints", None))) from None


def read_json() -> Any:
    """The request's JSON body: 415 when it is not JSON, 400 when it does not parse, 413 when
    it is too large (the limit is set before anything reads the body)."""
    if not request.is_json:
        raise ApiError(415)
    raw = request.get_data(cache=True)
    try:
        return _json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, code="malformed_json") from None


def _respond(op: Operation, reply: Reply) -> Response:
    payload = reply.body.model_dump(mode="json", by_alias=True)
    body = _json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, status=reply.status,
                                           mimetype="application/json")
    response.headers["Content-Language"] = g.api_language
    response.vary.update(("Accept-Language", "Authorization"))
    if op.private or g.get("api_user") is not None:
        # Personal data, or what this token's owner may see: never kept by a cache.
        response.headers["Cache-Control"] = "no-store"
    elif op.conditional:
        # Kept, but asked again each time: the ETag makes the check cheap.
        response.headers["Cache-Control"] = "no-cache"
    if op.conditional and reply.status == 200:
        response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
        if reply.last_modified is not None:
            response.last_modified = reply.last_modified
        response.make_conditional(request)
    return response


# Language ----------------------------------------------------------------------------------------


def choose_language() -> str:
    """``lang`` from the query when it is a portal language, else the Accept-Language header,
    else the portal's default. Never the session: API calls carry no cookies."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang", "")
    if asked in languages:
        return asked
    return str(request.accept_languages.best_match(languages)
               or current_app.config["BABEL_DEFAULT_LOCALE"])


@contextmanager
def language() -> Iterator[None]:
    with force_locale(g.get("api_language") or choose_language()):
        yield


# Tokens ------------------------------------------------------------------------------------------


def _challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="huquq-api"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def identify() -> None:
    """Who calls: the owner of a valid bearer token, else nobody. The portal's session and
    remember cookies never count here (so the API needs no CSRF protection): the user of the
    request is set before Flask-Login would look at them."""
    g.api_user = None
    g.api_scopes = frozenset()
    login_manager._update_request_context_with_user(AnonymousUser())  # type: ignore[no-untyped-call]
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _space, raw = header.strip().partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw or len(raw) > 200 or not raw.isascii():
        raise ApiError(401, headers=_challenge("invalid_request"))
    found = tokens.authenticate(raw)
    if found is None:
        db.session.rollback()
        raise ApiError(401, headers=_challenge("invalid_token"))
    db.session.commit()  # its last use
    user, scopes = found
    if two_factor.setup_missing(user):
        # The portal sends such a user to the set-up page before anything else; a token must
        # not be the way around it.
        raise ApiError(403, _("Turn on two-factor login for your own account first."),
                       code="two_factor_required")
    g.api_user = user
    g.api_scopes = frozenset(scopes)
    login_manager._update_request_context_with_user(user)  # type: ignore[no-untyped-call]


def require_scope(scope: str) -> Any:
    """The token's owner when the token carries *scope*: 401 without a token, 403 without
    the scope."""
    if g.get("api_user") is None:
        raise ApiError(401, headers=_challenge())
    if scope not in g.api_scopes:
        raise ApiError(403, code="insufficient_scope",
                       headers=_challenge("insufficient_scope"))
    return g.api_user


def require_permission(permission: str) -> None:
    """The token owner's roles must grant *permission*, as the portal's page would ask."""
    if not g.api_user.can(permission):
        raise ApiError(403)


# Pages -------------------------------------------------------------------------------------------


def paginate(query: Any, params: PageQuery) -> Pagination:
    return db.paginate(query, page=params.page, per_page=params.per_page, error_out=False,
                       count=True)


def page_slice(items: Sequence[Any], params: PageQuery) -> list[Any]:
    """The page *params* ask for of a list that is read whole."""
    start = (params.page - 1) * params.per_page
    return list(items[start:start + params.per_page])


def page_of(items: list[Any], total: int, query: PageQuery | SearchQuery) -> dict[str, Any]:
    """The fields every page of a listing has (items, counts, links), for ``Page`` models.

    The links are made from the validated *query*, never from the raw arguments: a query
    argument named like one of ``url_for``'s own (``endpoint``, ``_external``, ``_method``,
    ``_anchor``) or like a path value would change or break the link."""
    page, per_page = query.page, query.per_page
    pages = max(1, -(-total // per_page))
    kept = query.model_dump(mode="json", exclude_none=True, exclude_defaults=True,
                            exclude={"page", "per_page"})

    def link(number: int) -> str:
        return url_for(str(request.endpoint), **(request.view_args or {}), **kept,
                       page=number, per_page=per_page, _external=True)

    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": pages, "links": PageLinks(
                self=link(page), first=link(1), last=link(pages),
                prev=link(page - 1) if 1 < page <= pages + 1 else None,
                next=link(page + 1) if page < pages else None)}
