"""QSM's back-channel logout ends the matching Parcel Pal sessions; bad logout tokens are refused."""
import time

import pytest

from clients.demo_app.extensions import db
from clients.demo_app.models import LoginSession, SeenLogoutToken
from tests.demo_app.conftest import LOGOUT_EVENT, signing_key


def post_logout(client, token):
    return client.post("/backchannel-logout", data={"logout_token": token})


@pytest.fixture
def signed_in(login, browser):
    login.log_in()
    assert browser.get("/orders").status_code == 200
    return browser


@pytest.fixture
def qsm_server(demo_app):
    """QSM's side of the back channel: a client without the seller's cookies."""
    return demo_app.test_client()


def live_sessions():
    return db.session.execute(
        db.select(db.func.count()).select_from(LoginSession).where(LoginSession.ended_at.is_(None))
    ).scalar()


@pytest.mark.parametrize("names", [{"sid": "qsm-session-1"}, {"sid": "qsm-session-1", "sub": None}, {}])
def test_a_valid_logout_token_ends_the_session(signed_in, fake_qsm, qsm_server, names):
    response = post_logout(qsm_server, fake_qsm.logout_token(**names))
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    row = db.session.execute(db.select(LoginSession)).scalar_one()
    assert row.ended_at is not None and row.access_token_encrypted is None and row.id_token_encrypted is None
    assert signed_in.get("/orders").location == "/"


def test_sub_only_ends_every_session_of_the_seller(login, fake_qsm, demo_app, qsm_server):
    other_browser = demo_app.test_client()
    login.log_in()
    fake_qsm.sid = "qsm-session-2"
    type(login)(other_browser, fake_qsm).log_in()
    assert live_sessions() == 2
    assert post_logout(qsm_server, fake_qsm.logout_token()).status_code == 200
    assert live_sessions() == 0


ENDED_BY_QSM = "You were logged out of Parcel Pal because you logged out of QSM"


def test_the_next_page_says_why_the_seller_must_log_in_again(signed_in, fake_qsm, qsm_server, demo_app):
    assert post_logout(qsm_server, fake_qsm.logout_token(sid="qsm-session-1")).status_code == 200
    home = signed_in.get("/", follow_redirects=True).get_data(as_text=True)
    assert ENDED_BY_QSM in home and "Please log in again." in home
    # Said once: the page after that is a plain home page.
    assert ENDED_BY_QSM not in signed_in.get("/").get_data(as_text=True)


def test_the_message_is_in_japanese(signed_in, fake_qsm, qsm_server):
    assert post_logout(qsm_server, fake_qsm.logout_token(sid="qsm-session-1")).status_code == 200
    home = signed_in.get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert ENDED_BY_QSM not in home and "QSM のセッションが終了したため、Parcel Pal からログアウトしました。" in home


def test_own_logout_is_not_reported_as_a_logout_elsewhere(signed_in, demo_app):
    from tests.support.pages import csrf_token

    page = signed_in.get("/orders").get_data(as_text=True)
    signed_in.post("/logout", data={"csrf_token": csrf_token(page)})
    assert ENDED_BY_QSM not in signed_in.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "names",
    [{"sid": "some-other-session"}, {"sub": "another-seller"}, {"sid": "qsm-session-1", "sub": "another-seller"}],
)
def test_a_logout_for_someone_else_leaves_this_session_alone(signed_in, fake_qsm, qsm_server, names):
    assert post_logout(qsm_server, fake_qsm.logout_token(**names)).status_code == 200
    assert live_sessions() == 1
    assert signed_in.get("/orders").status_code == 200


def bad_tokens(fake):
    now = int(time.time())
    return {
        "badly-signed": lambda: fake.logout_token(key=fake.impostor_key),
        "unknown-key": lambda: fake.logout_token(key=signing_key("stranger", kid="k9")),
        "expired": lambda: fake.logout_token(iat=now - 900, exp=now - 600),
        "issued-in-future": lambda: fake.logout_token(iat=now + 600, exp=now + 900),
        "missing-events": lambda: fake.logout_token(events=None),
        "wrong-event": lambda: fake.logout_token(events={"http://example.com/other": {}}),
        "event-not-an-object": lambda: fake.logout_token(events={LOGOUT_EVENT: "yes"}),
        "wrong-issuer": lambda: fake.logout_token(iss="http://evil.test"),
        "wrong-audience": lambda: fake.logout_token(aud="another-client"),
        "with-nonce": lambda: fake.logout_token(nonce="n"),
        "no-sub-no-sid": lambda: fake.logout_token(sub=None),
        "no-jti": lambda: fake.logout_token(jti=None),
        "no-exp": lambda: fake.logout_token(exp=None),
        "not-a-jwt": lambda: "not.a.jwt",
    }


BAD = [
    "badly-signed",
    "unknown-key",
    "expired",
    "issued-in-future",
    "missing-events",
    "wrong-event",
    "event-not-an-object",
    "wrong-issuer",
    "wrong-audience",
    "with-nonce",
    "no-sub-no-sid",
    "no-jti",
    "no-exp",
    "not-a-jwt",
]


@pytest.mark.parametrize("name", BAD)
def test_bad_logout_tokens_are_refused_and_end_nothing(signed_in, fake_qsm, qsm_server, name):
    response = post_logout(qsm_server, bad_tokens(fake_qsm)[name]())
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert live_sessions() == 1
    assert db.session.execute(db.select(SeenLogoutToken)).first() is None
    assert signed_in.get("/orders").status_code == 200


def test_an_unknown_key_id_makes_one_fresh_fetch_of_the_keys(signed_in, fake_qsm, qsm_server):
    before = fake_qsm.jwks_fetches
    post_logout(qsm_server, fake_qsm.logout_token(key=signing_key("stranger", kid="k9")))
    assert fake_qsm.jwks_fetches == before + 1


def test_a_replayed_logout_token_is_refused(signed_in, fake_qsm, qsm_server):
    token = fake_qsm.logout_token(sid="unrelated-sid")
    assert post_logout(qsm_server, token).status_code == 200
    replay = post_logout(qsm_server, token)
    assert replay.status_code == 400 and "already used" in replay.get_json()["error_description"]


def test_a_replay_is_refused_even_if_the_first_use_ended_the_session(login, browser, fake_qsm, qsm_server):
    login.log_in()
    token = fake_qsm.logout_token(sid="qsm-session-1")
    assert post_logout(qsm_server, token).status_code == 200
    login.log_in()  # same QSM session, signed in again
    assert post_logout(qsm_server, token).status_code == 400
    assert browser.get("/orders").status_code == 200


@pytest.mark.parametrize("data", [{}, {"logout_token": ""}, {"logout_token": ["a", "b"]}, {"logout_token": "x" * 9000}])
def test_missing_repeated_or_oversized_logout_token_is_refused(qsm_server, fake_qsm, data):
    response = qsm_server.post("/backchannel-logout", data=data)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


def test_qsm_keys_unreachable_is_a_503(signed_in, fake_qsm, qsm_server, demo_app):
    token = fake_qsm.logout_token()
    demo_app.extensions.pop("demo_app_oauth")
    fake_qsm.down = True
    response = post_logout(qsm_server, token)
    assert response.status_code == 503 and response.get_json()["error"] == "invalid_request"
    assert live_sessions() == 1


def test_seen_tokens_are_forgotten_once_expired(signed_in, fake_qsm, qsm_server):
    db.session.add(SeenLogoutToken(jti="old", expires_at=int(time.time()) - 1))
    db.session.commit()
    assert post_logout(qsm_server, fake_qsm.logout_token(sid="unrelated")).status_code == 200
    assert db.session.get(SeenLogoutToken, "old") is None
