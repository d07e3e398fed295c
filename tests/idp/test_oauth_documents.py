"""Discovery and the JWKS, answered before Flask: the same headers as any QSM response, ETags,
and the key set following a rotation at once in the process that made it."""
import json
import logging

import pytest

from idp.oauth import keys

DOCUMENTS = ["/.well-known/openid-configuration", "/oauth/jwks"]


@pytest.mark.parametrize("path", DOCUMENTS)
def test_documents_carry_security_headers_a_request_id_and_an_etag(client, path):
    response = client.get(path)
    assert response.status_code == 200
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in headers  # plain http
    assert len(headers["X-Request-ID"]) == 32
    assert headers["ETag"].startswith('"') and headers["Cache-Control"].startswith("public, max-age=")
    assert int(headers["Content-Length"]) == len(response.data)
    json.loads(response.data)


@pytest.mark.parametrize("path", DOCUMENTS)
def test_over_https_documents_carry_hsts(client, path):
    response = client.get(path, base_url="https://qsm.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("path", DOCUMENTS)
def test_a_client_that_revalidates_gets_a_304_without_the_body(client, path):
    etag = client.get(path).headers["ETag"]
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == etag and response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


@pytest.mark.parametrize("path", DOCUMENTS)
def test_head_has_the_headers_and_no_body(client, path):
    response = client.head(path)
    assert response.status_code == 200 and response.data == b""
    assert int(response.headers["Content-Length"]) == len(client.get(path).data)


@pytest.mark.parametrize("path", DOCUMENTS)
def test_other_methods_are_a_405_in_oauth_json(client, path):
    response = client.post(path, data={"a": "b"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.get_json()["error"] == "invalid_request"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_discovery_names_the_jwks_by_url_for(client):
    assert client.get("/.well-known/openid-configuration").get_json()["jwks_uri"] == "http://qsm.test/oauth/jwks"


def test_a_rotation_in_this_process_is_published_at_once_with_a_new_etag(client):
    before = client.get("/oauth/jwks")
    made, _ = keys.rotate_signing_keys()
    after = client.get("/oauth/jwks")
    assert after.headers["ETag"] != before.headers["ETag"]
    published = {key["kid"] for key in after.get_json()["keys"]}
    assert {key.kid for key in made} <= published
    assert client.get("/oauth/jwks", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200


def test_each_document_request_is_logged_as_one_json_line():
    from idp import create_app

    class Records(logging.Handler):
        def __init__(self):
            super().__init__()
            self.records = []

        def emit(self, record):
            self.records.append(record)

    app = create_app("testing", test_config={"LOG_REQUESTS": True})
    records = Records()
    app.logger.addHandler(records)
    app.logger.setLevel(logging.INFO)
    try:
        with app.app_context():
            from idp.extensions import db

            db.create_all()
            response = app.test_client().get("/oauth/jwks", headers={"X-Request-ID": "lb-request-0001"})
            db.drop_all()
    finally:
        app.logger.removeHandler(records)
    assert response.headers["X-Request-ID"] == "lb-request-0001"
    lines = [r for r in records.records if r.getMessage() == "request"]
    assert len(lines) == 1
    assert (lines[0].path, lines[0].status, lines[0].request_id) == ("/oauth/jwks", 200, "lb-request-0001")
