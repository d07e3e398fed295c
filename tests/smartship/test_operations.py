"""Health checks, request IDs, JSON logs, and 503s when the database is down."""
import json
import logging

import pytest

from clients.smartship import create_app
from siteops.request_log import JsonFormatter

UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1"


def test_healthz_and_readyz(smartship):
    assert smartship.get("/healthz").get_json() == {"status": "ok"}
    ready = smartship.get("/readyz")
    checks = ready.get_json()["checks"]
    assert ready.status_code == 200 and checks["database"] == "ok" and set(checks.values()) == {"ok"}


@pytest.fixture
def broken_smartship():
    app = create_app("testing", test_config={"SQLALCHEMY_DATABASE_URI": UNREACHABLE_DB})
    return app.test_client()


def test_readyz_names_the_database_when_it_is_down(broken_smartship):
    response = broken_smartship.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "down"
    assert broken_smartship.get("/healthz").status_code == 200


def test_a_page_needing_the_database_is_a_503_page_not_a_500(broken_smartship):
    with broken_smartship.session_transaction() as session:
        session["_user_id"] = "1:1"
    response = broken_smartship.get("/orders")
    assert response.status_code == 503 and response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    assert "temporarily unavailable" in html and "Traceback" not in html


def test_readyz_names_redis_when_it_is_down():
    app = create_app("testing", test_config={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["redis"] == "down"


def test_every_response_carries_a_request_id(smartship):
    generated = smartship.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert (
        smartship.get("/healthz", headers={"X-Request-ID": "lb-1234567890"}).headers["X-Request-ID"] == "lb-1234567890"
    )
    # arbitrary input is never echoed
    hostile = smartship.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"}).headers["X-Request-ID"]
    assert "<" not in hostile and len(hostile) == 32


def test_logs_are_one_json_object_a_line_with_the_request_id(smartship_app):
    record = logging.LogRecord("smartship", logging.INFO, __file__, 1, "request", (), None)
    record.status, record.path = 200, "/orders"
    with smartship_app.test_request_context("/orders", environ_base={"siteops.request_id": "abc123abc123"}):
        line = JsonFormatter("smartship").format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["request_id"] == "abc123abc123" and entry["status"] == 200 and entry["site"] == "smartship"


def test_proxy_headers_are_ignored_unless_trusted_hops_are_configured(smartship_app):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "Strict-Transport-Security" not in smartship_app.test_client().get("/login", headers=https).headers
    trusted = create_app("testing", test_config={"TRUSTED_PROXY_HOPS": 1})
    response = trusted.test_client().get("/login", headers=https)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
