"""The OpenAPI document: valid 3.1, made from the endpoints' own models, covering every route;
and the reference page made from it."""

from __future__ import annotations

import json

import schemathesis
from flask import Flask

from portal.api import api
from portal.api.openapi import REF, openapi_path
from portal.api.schemas import ConsultationCreated, ConsultationIn
from portal.consultations.intake import REGIONS

#: Routes under /api/v1 that are not operations: the catch-all that answers 404/405.
NOT_OPERATIONS = {"api.unknown"}


def test_the_document_is_valid_openapi_3_1(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()

    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]

    assert document["openapi"] == "3.1.0"
    assert len(operations) == len(api.operations)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_api_route_is_in_the_document(app: Flask, client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, methods in document["paths"].items()
                  for method in methods}

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint in NOT_OPERATIONS:
            continue
        path = openapi_path(rule.rule.removeprefix("/api/v1"))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (rule.rule, method)


def test_the_document_uses_the_endpoints_models(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    create = document["paths"]["/consultations"]["post"]

    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ConsultationIn"}
    assert set(create["responses"]) >= {"201", "200", "422", "429", "413"}
    schemas = document["components"]["schemas"]
    expected = ConsultationIn.model_json_schema(mode="validation", ref_template=REF)
    expected.pop("$defs", None)
    documented = json.loads(json.dumps(schemas["ConsultationIn"]))
    # The one live enum: the active topics, only the database knows them.
    assert documented["properties"]["topic"].pop("enum") == [
        t["slug"] for t in client.get("/api/v1/consultations/topics").get_json()["items"]]
    assert documented == json.loads(json.dumps(expected))
    assert documented["properties"]["region"]["enum"] == [value for value, _label in REGIONS]
    assert schemas["ConsultationCreated"] == ConsultationCreated.model_json_schema(
        ref_template=REF, mode="serialization")
    assert schemas["Error"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    learning = document["paths"]["/me/learning"]["get"]
    assert learning["security"] == [{"bearerAuth": ["learning:read"]}]
    assert {"401", "403", "304"} <= set(learning["responses"])


def test_the_reference_page_is_made_from_the_document(client) -> None:
    page = client.get("/api/", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "API reference" in page
    assert "POST /consultations" in page
    assert "curl" in page and "/api/v1/guides?lang=ru" in page
    assert "<script" not in page.split("</head>")[1].split("<footer")[0]


def test_unknown_addresses_and_methods_answer_json(client) -> None:
    missing = client.get("/api/v1/no/such/thing")
    wrong_method = client.delete("/api/v1/guides")

    assert missing.status_code == 404 and missing.is_json
    assert missing.get_json() == {"error": {"code": "not_found", "fields": {},
                                            "message": "There is nothing at this address."}}
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert "GET" in wrong_method.headers["Allow"]


def test_the_index_answers_without_its_slash(client) -> None:
    response = client.get("/api/v1")

    assert response.status_code == 200 and response.is_json
    assert response.get_json()["version"] == "1"


def test_options_answer_the_addresses_own_methods_and_never_html(client) -> None:
    guides = client.options("/api/v1/guides")
    intake = client.options("/api/v1/consultations")
    index = client.options("/api/v1/")
    missing = client.options("/api/v1/no/such/thing")
    wrong = client.post("/api/v1")

    assert guides.status_code == 204 and guides.data == b""
    assert "html" not in guides.headers.get("Content-Type", "")
    assert set(guides.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert set(intake.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert set(index.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert missing.status_code == 404 and missing.is_json
    assert wrong.status_code == 405 and wrong.is_json
