"""GET and PUT /api/v1/smart-inventory/link: what SmartShip reports about the seller's account."""
import pytest

from idp.extensions import db
from idp.models import SmartInventoryLink
from tests.support.oauth import bearer

PATH = "/api/v1/smart-inventory/link"


@pytest.fixture
def token(seller, auth, flow):
    auth.login()
    return flow(trusted=True).tokens(scope="openid qsm.inventory")["access_token"]


def put(client, token, **kwargs):
    return client.put(PATH, headers=bearer(token), **kwargs)


def test_no_link_yet(client, token):
    response = client.get(PATH, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {"linked": False, "link": None}


def test_put_records_and_get_reads_the_link(client, token, seller):
    response = put(client, token, json={"smartship_login_id": "  ship-123  ", "fulfillment_status": "pending"})
    assert response.status_code == 200
    link = response.get_json()["link"]
    assert link["smartship_login_id"] == "ship-123" and link["fulfillment_status"] == "pending"
    assert client.get(PATH, headers=bearer(token)).get_json() == {"linked": True, "link": link}
    response = put(client, token, json={"smartship_login_id": "ship-123", "fulfillment_status": "approved"})
    assert response.get_json()["link"]["fulfillment_status"] == "approved"
    rows = db.session.execute(db.select(SmartInventoryLink)).scalars().all()
    assert len(rows) == 1 and rows[0].seller_pk == seller.id


def test_the_status_defaults_to_not_applied(client, token):
    assert (
        put(client, token, json={"smartship_login_id": "ship-1"}).get_json()["link"]["fulfillment_status"]
        == "not_applied"
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"smartship_login_id": ""},
        {"smartship_login_id": "   "},
        {"smartship_login_id": None},
        {"smartship_login_id": 42},
        {"smartship_login_id": ["a"]},
        {"smartship_login_id": "x" * 255},
        {"smartship_login_id": "ok", "fulfillment_status": "shipped"},
        {"smartship_login_id": "ok", "fulfillment_status": None},
        {"smartship_login_id": "ok", "fulfillment_status": ["pending"]},
        {"smartship_login_id": "ok", "fulfillment_status": {"a": 1}},
        [],
        ["smartship_login_id"],
        "a string",
        42,
        None,
    ],
)
def test_put_validates_the_body(client, token, body):
    response = put(client, token, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert db.session.execute(db.select(SmartInventoryLink)).first() is None


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("{not json", "application/json"),
        ('{"smartship_login_id": "a"', "application/json"),
        ("", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        ("smartship_login_id=a", "application/x-www-form-urlencoded"),
        ('{"smartship_login_id": "a"}', "text/plain"),
        ('{"smartship_login_id": "a"}', None),
    ],
)
def test_put_refuses_what_is_not_a_json_object(client, token, data, content_type):
    headers = {**bearer(token)}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.put(PATH, data=data, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_a_body_over_64kb_is_refused(client, token):
    response = put(client, token, json={"smartship_login_id": "a", "padding": "x" * 70_000})
    assert response.status_code == 413
    assert response.get_json()["error"]
