"""Passkey ceremonies recorded from a real browser (Chromium's virtual authenticator; see
tests/support/record_passkey_vectors.py) verify at QSM, and the same bytes tampered with do not."""
import json
from pathlib import Path

import pytest

from idp.clock import now
from idp.extensions import db
from idp.models import Passkey, Seller
from tests.support.pages import csrf_token

VECTORS = json.loads((Path(__file__).parent / "data" / "chromium_passkey.json").read_text())
USER_HANDLE_SUB = "0123456789abcdef0123456789abcdef"  # the recording's user handle, as a seller's sub


@pytest.fixture
def app(app):
    app.config.update(WEBAUTHN_RP_ID=VECTORS["rp_id"], WEBAUTHN_ORIGINS=VECTORS["origin"])
    return app


@pytest.fixture
def recorded_seller(seller):
    db.session.execute(db.update(Seller).where(Seller.id == seller.id).values(sub=USER_HANDLE_SUB))
    db.session.commit()
    db.session.expire_all()
    return seller


def register_recorded(client, credential=None, challenge=None):
    token = csrf_token(client.get("/account/passkeys").get_data(as_text=True))
    with client.session_transaction() as session:
        session["passkey_registration"] = {
            "challenge": challenge or VECTORS["registration_challenge"],
            "expires_at": now() + 60,
            "seller": USER_HANDLE_SUB,
        }
    return client.post(
        "/account/passkeys/register",
        json={"name": "Recorded", "credential": credential or VECTORS["registration"]},
        headers={"X-CSRFToken": token},
    )


def log_in_recorded(client, credential=None):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    with client.session_transaction() as session:
        session["passkey_login"] = {"challenge": VECTORS["login_challenge"], "expires_at": now() + 60}
    return client.post(
        "/login/passkey", json={"credential": credential or VECTORS["authentication"]}, headers={"X-CSRFToken": token}
    )


def tampered(ceremony, field, position=-5):
    credential = json.loads(json.dumps(VECTORS[ceremony]))
    value = credential["response"][field]
    credential["response"][field] = value[:position] + ("A" if value[position] != "A" else "B") + value[position + 1 :]
    return credential


def test_a_recorded_registration_and_login_verify(app, client, recorded_seller, auth):
    auth.login()
    response = register_recorded(client)
    assert response.status_code == 200, response.get_json()
    passkey = db.session.execute(db.select(Passkey)).scalar_one()
    assert passkey.credential_id == VECTORS["registration"]["id"] and passkey.seller_pk == recorded_seller.id
    browser = app.test_client()
    response = log_in_recorded(browser)
    assert response.status_code == 200, response.get_json()
    assert browser.get("/").status_code == 200
    assert db.session.execute(db.select(Passkey.sign_count)).scalar_one() >= 1


def test_a_recorded_registration_with_another_challenge_is_refused(client, recorded_seller, auth):
    auth.login()
    assert register_recorded(client, challenge="b3RoZXItY2hhbGxlbmdl").status_code == 400
    assert db.session.execute(db.select(Passkey)).first() is None


def test_a_recorded_registration_for_another_origin_is_refused(app, client, recorded_seller, auth):
    app.config["WEBAUTHN_ORIGINS"] = "http://localhost:1"
    auth.login()
    assert register_recorded(client).status_code == 400


@pytest.mark.parametrize("field", ["signature", "authenticatorData", "clientDataJSON"])
def test_a_tampered_recorded_assertion_is_refused(app, client, recorded_seller, auth, field):
    auth.login()
    assert register_recorded(client).status_code == 200
    browser = app.test_client()
    assert log_in_recorded(browser, tampered("authentication", field, position=20)).status_code == 400
    assert browser.get("/").status_code == 302
