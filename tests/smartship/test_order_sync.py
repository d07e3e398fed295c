"""Sync now: refreshing expired access with the stored (rotating) refresh token, and a revoked grant."""
from clients.smartship.extensions import db
from clients.smartship.models import ImportedOrder, QsmLink
from relying_party import token_vault
from tests.support.pages import csrf_token


def sync(client):
    page = client.get("/orders")
    return client.post("/orders/sync", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def test_expired_access_token_is_refreshed_and_the_rotated_tokens_are_stored(signup, smartship, fake_qsm):
    signup.done()
    link = db.session.execute(db.select(QsmLink)).scalar_one()
    old_refresh = token_vault.decrypt(link.refresh_token_encrypted)
    link.access_expires_at = 0
    db.session.commit()
    fake_qsm.orders.append(
        {
            "order_no": "QS1-99",
            "buyer_name": "New",
            "item_name": "Thing",
            "quantity": 2,
            "amount": "1.00",
            "currency": "SGD",
            "status": "paid",
            "ordered_at": "2026-11-25T00:00:00Z",
        }
    )
    assert sync(smartship).status_code == 302
    db.session.refresh(link)
    assert token_vault.decrypt(link.refresh_token_encrypted) != old_refresh
    assert old_refresh not in fake_qsm.refresh_tokens
    assert db.session.execute(db.select(ImportedOrder).filter_by(order_no="QS1-99")).scalar_one()


def test_a_revoked_grant_asks_to_authorize_again_instead_of_failing(signup, smartship, fake_qsm):
    signup.done()
    fake_qsm.revoked = True
    response = sync(smartship)
    assert response.status_code == 302
    page = smartship.get("/orders").get_data(as_text=True)
    assert "needs to be authorized again" in page and "Authorize QSM link again" in page
    link = db.session.execute(db.select(QsmLink)).scalar_one()
    assert link.needs_reauthorization
    # authorizing again through QSM restores the link
    fake_qsm.revoked = False
    assert signup.callback().location.endswith("/orders")
    db.session.refresh(link)
    assert not link.needs_reauthorization


def test_qsm_down_during_sync_is_a_message_not_a_500(signup, smartship, fake_qsm):
    signup.done()
    fake_qsm.api_status = 500
    response = sync(smartship)
    assert response.status_code == 302
    assert "QSM answered 500" in smartship.get("/orders").get_data(as_text=True)
