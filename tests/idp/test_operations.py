"""QSM in production: health checks, request IDs, and a clear 503 when a dependency is down."""
import pytest

from idp import create_app

UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1"


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"


@pytest.fixture
def broken_qsm():
    return create_app("testing", test_config={"SQLALCHEMY_DATABASE_URI": UNREACHABLE_DB}).test_client()


def test_readyz_says_the_database_is_down(broken_qsm):
    response = broken_qsm.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["database"] == "down"


@pytest.mark.parametrize("path", ["/oauth/jwks", "/api/v1/orders"])
def test_machine_endpoints_answer_503_json(broken_qsm, path):
    response = broken_qsm.get(path, headers={"Authorization": "Bearer some-token"})
    assert response.status_code == 503
    assert response.get_json()["error"] == "temporarily_unavailable"


def test_token_endpoint_answers_503_json(broken_qsm):
    response = broken_qsm.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"})
    assert response.status_code == 503 and response.get_json()["error"] == "temporarily_unavailable"


def test_people_get_a_503_page(broken_qsm):
    with broken_qsm.session_transaction() as session:
        session["_user_id"] = "sub:1"
    response = broken_qsm.get("/")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)


def test_readyz_names_redis_when_down():
    app = create_app("testing", test_config={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["redis"] == "down"


def test_login_with_redis_down_is_a_503_page_not_a_500():
    app = create_app("testing", test_config={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    client = app.test_client()
    page = client.get("/login")
    from tests.conftest import csrf_token

    response = client.post("/login", data={"email": "a@example.com", "password": "x", "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 503


def test_request_id_header(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
