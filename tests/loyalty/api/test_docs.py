"""The OpenAPI schema and the interactive docs page, served without any CDN."""

import re

from django.test import Client


def test_the_schema_describes_every_endpoint(db):
    answer = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert answer.status_code == 200
    schema = answer.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/program",
        "/api/v1/members",
        "/api/v1/members/{card_number}",
        "/api/v1/members/{card_number}/redemptions",
        "/api/v1/purchases",
        "/api/v1/purchases/{external_id}",
        "/api/v1/purchases/{external_id}/refunds",
        "/api/v1/rewards",
        "/api/v1/vouchers/{code}",
        "/api/v1/vouchers/{code}/use",
    }
    purchase = schema["paths"]["/api/v1/purchases"]["post"]
    assert "application/problem+json" in purchase["responses"]["409"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in purchase["parameters"])
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_the_docs_page_loads_everything_from_this_server(db):
    answer = Client().get("/api/v1/docs/")

    assert answer.status_code == 200
    page = answer.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(source.startswith("/") for source in sources), sources
    assert "swagger-ui-bundle.js" in page


def test_the_docs_scripts_are_served(db):
    answer = Client().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")

    assert answer.status_code == 200


def test_the_benchmarks_bare_view_is_not_mounted_by_default(api_a):
    answer = api_a.post("/api/v1/bench/bare-purchase", {"external_id": "X"}, format="json")

    assert answer.status_code == 404
