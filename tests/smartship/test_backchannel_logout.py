"""QSM's back-channel logout ends the matching SmartShip sessions; bad logout tokens are refused."""
import time

import pytest

from clients.smartship.extensions import db
from clients.smartship.models import LoginSession


def post_logout(client, token):
    return client.post("/backchannel-logout/qoo10-sg", data={"logout_token": token})


@pytest.fixture
def signed_in(signup, smartship):
    signup.done()
    assert smartship.get("/orders").status_code == 200
    return smartship


def test_a_valid_logout_token_for_the_sid_ends_the_session(signed_in, fake_qsm, smartship_app):
    response = post_logout(smartship_app.test_client(), fake_qsm.logout_token(sid="qsm-session-1"))
    assert response.status_code == 200
    assert signed_in.get("/orders").status_code == 302
    assert db.session.execute(db.select(LoginSession.ended_at)).scalar() is not None


ENDED_BY_QSM = "You were logged out of SmartShip because you logged out of QSM"


def test_the_next_page_says_why_the_seller_must_log_in_again(signed_in, fake_qsm, smartship_app):
    assert post_logout(smartship_app.test_client(), fake_qsm.logout_token(sid="qsm-session-1")).status_code == 200
    page = signed_in.get("/orders", follow_redirects=True).get_data(as_text=True)
    assert ENDED_BY_QSM in page and "Please log in again." in page
    assert ENDED_BY_QSM not in signed_in.get("/login").get_data(as_text=True)  # said once


def test_the_message_is_in_japanese(signed_in, fake_qsm, smartship_app):
    assert post_logout(smartship_app.test_client(), fake_qsm.logout_token(sid="qsm-session-1")).status_code == 200
    page = signed_in.get("/login", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert ENDED_BY_QSM not in page and "QSM のセッションが終了したため、SmartShip からログアウトしました。" in page


def test_own_logout_is_not_reported_as_a_logout_elsewhere(signed_in):
    from tests.support.pages import csrf_token

    page = signed_in.get("/orders").get_data(as_text=True)
    signed_in.post("/logout", data={"csrf_token": csrf_token(page)})
    assert ENDED_BY_QSM not in signed_in.get("/login").get_data(as_text=True)


def test_a_logout_token_with_only_sub_ends_every_session_of_the_seller(signed_in, fake_qsm, smartship_app):
    assert post_logout(smartship_app.test_client(), fake_qsm.logout_token()).status_code == 200
    assert signed_in.get("/orders").status_code == 302


def test_another_sid_leaves_this_session_alone(signed_in, fake_qsm, smartship_app):
    assert post_logout(smartship_app.test_client(), fake_qsm.logout_token(sid="some-other-session")).status_code == 200
    assert signed_in.get("/orders").status_code == 200


def test_password_sessions_are_not_ended_by_qsm(smartship, make_account, fake_qsm, smartship_app):
    from tests.support.pages import csrf_token

    make_account("pw-user", "pw@example.com")
    page = smartship.get("/login")
    smartship.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "identifier": "pw-user",
            "password": "Tr1cky-Passphrase",
        },
    )
    assert post_logout(smartship_app.test_client(), fake_qsm.logout_token(sub="sub-seller-1")).status_code == 200
    assert smartship.get("/orders").status_code == 200


def bad_tokens(fake):
    now = int(time.time())
    return {
        "badly-signed": fake.logout_token(key=fake.other_key),
        "expired": fake.logout_token(iat=now - 900, exp=now - 600),
        "missing-events": fake.logout_token(events=None),
        "wrong-event": fake.logout_token(events={"http://example.com/other": {}}),
        "wrong-issuer": fake.logout_token(iss="http://evil.test"),
        "wrong-audience": fake.logout_token(aud="another-client"),
        "with-nonce": fake.logout_token(nonce="n"),
        "no-sub-no-sid": fake.logout_token(sub=None),
        "no-jti": fake.logout_token(jti=None),
        "not-a-jwt": "not.a.jwt",
    }


@pytest.mark.parametrize(
    "name",
    [
        "badly-signed",
        "expired",
        "missing-events",
        "wrong-event",
        "wrong-issuer",
        "wrong-audience",
        "with-nonce",
        "no-sub-no-sid",
        "no-jti",
        "not-a-jwt",
    ],
)
def test_bad_logout_tokens_are_refused_and_end_nothing(signed_in, fake_qsm, smartship_app, name):
    response = post_logout(smartship_app.test_client(), bad_tokens(fake_qsm)[name])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"
    assert signed_in.get("/orders").status_code == 200


def test_a_replayed_logout_token_is_refused(signed_in, fake_qsm, smartship_app):
    token = fake_qsm.logout_token(sid="unrelated-sid")
    other = smartship_app.test_client()
    assert post_logout(other, token).status_code == 200
    replay = post_logout(other, token)
    assert replay.status_code == 400 and "already used" in replay.get_json()["error_description"]


@pytest.mark.parametrize("data", [{}, {"logout_token": ["a", "b"]}])
def test_missing_or_repeated_logout_token_is_refused(smartship, fake_qsm, data):
    response = smartship.post("/backchannel-logout/qoo10-sg", data=data)
    assert response.status_code == 400


def test_unknown_platform_is_refused(smartship, fake_qsm):
    response = smartship.post("/backchannel-logout/elsewhere", data={"logout_token": fake_qsm.logout_token()})
    assert response.status_code == 400
