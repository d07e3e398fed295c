"""GET /api/v1/orders: the seller's own orders, newest first, paginated."""
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from idp.extensions import db
from idp.models import Order
from tests.support.oauth import bearer


def add_orders(seller, n, prefix):
    start = datetime(2024, 1, 1)
    for i in range(n):
        db.session.add(
            Order(
                seller_pk=seller.id, order_no=f"{prefix}-{i:03d}", buyer_name="Ben K.", item_name="Kettle",
                quantity=1, amount=Decimal("12.50"), ordered_at=start + timedelta(hours=i),
            )
        )
    db.session.commit()


@pytest.fixture
def token(seller, make_seller, auth, flow):
    add_orders(seller, 45, "MINE")
    add_orders(make_seller("other@example.com"), 5, "OTHER")
    auth.login()
    return flow(trusted=True).tokens(scope="openid qsm.orders.read")["access_token"]


def get(client, token, **params):
    return client.get("/api/v1/orders", query_string=params, headers=bearer(token))


def test_first_page_defaults(client, token):
    response = get(client, token)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"], body["has_more"]) == (1, 20, 45, True)
    assert len(body["orders"]) == 20
    assert body["orders"][0]["order_no"] == "MINE-044"  # newest first
    assert body["orders"][0] == {
        "order_no": "MINE-044", "buyer_name": "Ben K.", "item_name": "Kettle", "quantity": 1,
        "amount": "12.50", "currency": "SGD", "status": "paid", "ordered_at": "2024-01-02T20:00:00Z",
    }


def test_pages_cover_every_order_once_and_only_the_sellers(client, token):
    seen = []
    page = 1
    while True:
        body = get(client, token, page=page, per_page=7).get_json()
        seen += [o["order_no"] for o in body["orders"]]
        if not body["has_more"]:
            break
        page += 1
    assert page == 7
    assert sorted(seen) == [f"MINE-{i:03d}" for i in range(45)]


def test_a_page_past_the_end_is_empty(client, token):
    body = get(client, token, page=10, per_page=10).get_json()
    assert body["orders"] == [] and body["has_more"] is False and body["total"] == 45


def test_the_largest_page(client, token):
    body = get(client, token, per_page=100).get_json()
    assert len(body["orders"]) == 45 and body["has_more"] is False


@pytest.mark.parametrize(
    "params",
    [{"page": 0}, {"page": -1}, {"page": "x"}, {"page": "1.5"}, {"page": ""}, {"per_page": 0}, {"per_page": 101},
     {"per_page": "many"}, {"page": "9" * 40}, {"per_page": "1e3"}],
)
def test_bad_paging_is_a_json_400(client, token, params):
    response = get(client, token, **params)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_repeated_paging_parameters_are_refused(client, token):
    response = client.get("/api/v1/orders?page=1&page=2", headers=bearer(token))
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


def test_a_seller_without_orders_gets_an_empty_list(client, make_seller, auth, flow):
    make_seller("empty@example.com")
    auth.login("empty@example.com")
    token = flow(trusted=True).tokens(scope="openid qsm.orders.read")["access_token"]
    body = get(client, token).get_json()
    assert body == {"orders": [], "page": 1, "per_page": 20, "total": 0, "has_more": False}
