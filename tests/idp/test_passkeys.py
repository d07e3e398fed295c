"""Passkeys: adding one (after the password is asked again), logging in with one, and every
check that keeps a passkey from being replayed, cloned, phished or used for another account."""
import json
import re

import pytest

from idp.extensions import db
from idp.models import AuditEvent, LoginSession, Passkey
from idp.passkeys.ceremonies import CHALLENGE_SECONDS
from tests.support.oauth import decode_id_token
from tests.support.pages import csrf_token, query_of
from tests.support.qsm import PASSWORD
from tests.support.webauthn import SoftAuthenticator

ORIGIN = "http://qsm.test"  # the testing issuer: the relying party ID is qsm.test


def options_on(html):
    found = re.search(r'<script type="application/json" id="passkey-options">(.*?)</script>', html, re.S)
    assert found, "no passkey options on the page"
    return json.loads(found.group(1))


def start_adding(client, name="My laptop", password=PASSWORD):
    page = client.get("/account/passkeys").get_data(as_text=True)
    return client.post(
        "/account/passkeys/new", data={"name": name, "password": password, "csrf_token": csrf_token(page)}
    )


def add_passkey(client, authenticator, name="My laptop", **create):
    page = start_adding(client, name)
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    credential = authenticator.create(options_on(html), **create)
    return client.post(
        "/account/passkeys/register",
        json={"name": name, "credential": credential},
        headers={"X-CSRFToken": csrf_token(html)},
    )


def login_options(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login/passkey/options", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    return response.get_json(), token


def passkey_login(client, authenticator, next_url="", **get):
    options, token = login_options(client)
    credential = authenticator.get(options, **get)
    return client.post(
        "/login/passkey", json={"credential": credential, "next": next_url}, headers={"X-CSRFToken": token}
    )


def events(seller):
    query = db.select(AuditEvent.kind).filter_by(seller_pk=seller.id).order_by(AuditEvent.id)
    return db.session.execute(query).scalars().all()


@pytest.fixture
def authenticator():
    return SoftAuthenticator(ORIGIN)


@pytest.fixture
def registered(app, client, seller, auth, authenticator):
    """The seller added a passkey from their logged-in browser; returns a new browser of theirs."""
    auth.login()
    assert add_passkey(client, authenticator).status_code == 200
    return app.test_client()


# --- Adding, listing, removing ------------------------------------------------------------


def test_the_security_page_needs_a_login(client):
    response = client.get("/account/passkeys")
    assert response.status_code == 302 and "/login" in response.location


def test_adding_a_passkey_asks_the_password_again(client, seller, auth, authenticator):
    auth.login()
    response = start_adding(client, password="not the password")
    assert response.status_code == 400
    assert "The password is not correct." in response.get_data(as_text=True)
    assert 'id="passkey-options"' not in response.get_data(as_text=True)


def test_a_passkey_is_added_with_its_public_key_name_and_flags(client, seller, auth, authenticator):
    auth.login()
    response = add_passkey(client, authenticator, name="Office key")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["redirect"] == "/account/passkeys"
    passkey = db.session.execute(db.select(Passkey)).scalar_one()
    assert passkey.seller_pk == seller.id and passkey.name == "Office key"
    assert passkey.credential_id == authenticator.id and passkey.sign_count == 0
    assert passkey.backup_eligible is False and passkey.amr == ["hwk"] and passkey.transports == "internal"
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "Office key" in page and "Never" in page and "Device-bound security key" in page
    assert events(seller)[-1] == "passkey_added"


def test_registration_options_ask_for_a_discoverable_verified_passkey_and_exclude_known_ones(
    client, seller, auth, authenticator
):
    auth.login()
    add_passkey(client, authenticator)
    options = options_on(start_adding(client, "Second").get_data(as_text=True))
    assert options["rp"]["id"] == "qsm.test"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["user"]["name"] == seller.email
    assert seller.email not in options["user"]["id"]  # the handle is the random sub, never the email
    assert [c["id"] for c in options["excludeCredentials"]] == [authenticator.id]


def test_a_synced_passkey_is_recorded_as_backup_eligible(client, seller, auth):
    auth.login()
    synced = SoftAuthenticator(ORIGIN, backup_eligible=True)
    assert add_passkey(client, synced).status_code == 200
    passkey = db.session.execute(db.select(Passkey)).scalar_one()
    assert passkey.backup_eligible is True and passkey.backed_up is True and passkey.amr == ["swk"]


@pytest.mark.parametrize(
    "authenticator_settings, create",
    [
        ({"rp_id": "evil.example"}, {}),  # a credential of another relying party
        ({}, {"origin": "https://evil.example"}),  # made on another site
        ({"user_verified": False}, {}),  # no fingerprint, face or PIN
    ],
)
def test_a_credential_that_does_not_verify_is_not_added(client, seller, auth, authenticator_settings, create):
    auth.login()
    response = add_passkey(client, SoftAuthenticator(ORIGIN, **authenticator_settings), **create)
    assert response.status_code == 400 and "could not be verified" in response.get_json()["error"]
    assert db.session.execute(db.select(Passkey)).first() is None


def test_a_registration_challenge_is_used_once(client, seller, auth, authenticator):
    auth.login()
    html = start_adding(client).get_data(as_text=True)
    credential = authenticator.create(options_on(html))
    headers = {"X-CSRFToken": csrf_token(html)}
    assert (
        client.post(
            "/account/passkeys/register", json={"name": "A", "credential": credential}, headers=headers
        ).status_code
        == 200
    )
    again = client.post("/account/passkeys/register", json={"name": "B", "credential": credential}, headers=headers)
    assert again.status_code == 400 and "expired" in again.get_json()["error"]
    assert db.session.execute(db.select(db.func.count()).select_from(Passkey)).scalar() == 1


def test_a_registration_needs_the_csrf_token(client, seller, auth, authenticator):
    auth.login()
    html = start_adding(client).get_data(as_text=True)
    response = client.post(
        "/account/passkeys/register", json={"name": "A", "credential": authenticator.create(options_on(html))}
    )
    assert response.status_code == 400
    assert db.session.execute(db.select(Passkey)).first() is None


@pytest.mark.parametrize(
    "body", [None, "not json", {"credential": "x" * 20_000}, {"credential": {"id": 5}}, {"credential": []}]
)
def test_a_malformed_registration_is_a_clear_400(client, seller, auth, body):
    auth.login()
    html = start_adding(client).get_data(as_text=True)
    headers = {"X-CSRFToken": csrf_token(html)}
    if isinstance(body, str):
        response = client.post(
            "/account/passkeys/register", data=body, headers=headers, content_type="application/json"
        )
    else:
        response = client.post("/account/passkeys/register", json=body, headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]


def test_removing_a_passkey_ends_its_logins(registered, client, seller, authenticator):
    page = client.get("/account/passkeys").get_data(as_text=True)
    passkey = db.session.execute(db.select(Passkey)).scalar_one()
    response = client.post(f"/account/passkeys/{passkey.id}/remove", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert db.session.execute(db.select(Passkey)).first() is None
    assert "passkey_removed" in events(seller)
    assert passkey_login(registered, authenticator).status_code == 400


def test_another_sellers_passkey_cannot_be_removed(registered, app, make_seller, auth):
    make_seller("other@example.com")
    other = app.test_client()
    from tests.support.qsm import Auth

    Auth(other).login("other@example.com")
    page = other.get("/account/passkeys").get_data(as_text=True)
    passkey = db.session.execute(db.select(Passkey)).scalar_one()
    assert (
        other.post(f"/account/passkeys/{passkey.id}/remove", data={"csrf_token": csrf_token(page)}).status_code == 404
    )
    assert db.session.execute(db.select(Passkey)).scalar_one() is not None


# --- Logging in -----------------------------------------------------------------------------


def test_the_login_page_offers_a_passkey_beside_the_password(client):
    html = client.get("/login").get_data(as_text=True)
    assert ">Log in with a passkey</button>" in html
    assert 'autocomplete="username webauthn"' in html  # conditional UI: passkeys in the autofill
    assert '<script src="/static/passkeys.js"></script>' in html


def test_login_options_ask_for_user_verification_and_name_no_credential(client):
    options, _ = login_options(client)
    assert options["rpId"] == "qsm.test" and options["userVerification"] == "required"
    assert options.get("allowCredentials", []) == []  # discoverable: the browser offers the seller's passkeys


def test_a_passkey_login_is_a_full_login(registered, seller, authenticator):
    response = passkey_login(registered, authenticator)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["redirect"] == "/"
    assert registered.get("/").status_code == 200
    sessions = db.session.execute(db.select(LoginSession).filter_by(seller_pk=seller.id)).scalars().all()
    assert len(sessions) == 2  # the password login that added it, and this one
    assert events(seller)[-1] == "passkey_login_succeeded"
    passkey = db.session.execute(db.select(Passkey)).scalar_one()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None


def test_a_passkey_login_follows_next_on_this_site_only(registered, authenticator):
    assert (
        passkey_login(registered, authenticator, next_url="/account/activity").get_json()["redirect"]
        == "/account/activity"
    )
    other = passkey_login(registered, authenticator, next_url="https://evil.example/")
    assert other.get_json()["redirect"] == "/"


@pytest.mark.parametrize("backup_eligible, amr", [(False, ["hwk"]), (True, ["swk"])])
def test_the_id_token_says_how_the_seller_logged_in(app, client, seller, auth, flow, backup_eligible, amr):
    auth.login()
    key = SoftAuthenticator(ORIGIN, backup_eligible=backup_eligible)
    add_passkey(client, key)
    f = flow(trusted=True)
    assert decode_id_token(client, f.tokens(scope="openid")["id_token"]).claims["amr"] == ["pwd"]
    browser = app.test_client()
    assert passkey_login(browser, key).status_code == 200
    f.client = browser
    claims = decode_id_token(browser, f.tokens(scope="openid")["id_token"]).claims
    assert claims["amr"] == amr


def test_a_passkey_login_satisfies_prompt_login(registered, seller, authenticator, flow, clock):
    f = flow(trusted=True)
    f.client = registered
    assert passkey_login(registered, authenticator).status_code == 200
    to_login = f.authorize(prompt="login")
    assert to_login.status_code == 302 and "/login?" in to_login.location
    clock.advance(1)
    next_url = query_of(to_login.location)["next"]
    back = passkey_login(registered, authenticator, next_url=next_url).get_json()["redirect"]
    answer = registered.get(back)
    assert answer.status_code == 302 and "code" in query_of(answer.location), answer.location


def test_a_login_challenge_is_used_once(registered, authenticator):
    """A failed attempt spends its challenge: the same challenge signed again is refused."""
    options, token = login_options(registered)
    headers = {"X-CSRFToken": token}
    phished = authenticator.get(options, origin="https://evil.example")
    assert registered.post("/login/passkey", json={"credential": phished}, headers=headers).status_code == 400
    again = authenticator.get(options)
    replay = registered.post("/login/passkey", json={"credential": again}, headers=headers)
    assert replay.status_code == 400 and "expired" in replay.get_json()["error"]
    assert registered.get("/").status_code == 302


def test_a_challenge_expires(registered, authenticator, clock):
    options, token = login_options(registered)
    clock.advance(CHALLENGE_SECONDS + 1)
    response = registered.post(
        "/login/passkey", json={"credential": authenticator.get(options)}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400 and "expired" in response.get_json()["error"]


def test_a_challenge_belongs_to_the_browser_that_asked_for_it(registered, app, authenticator):
    options, _ = login_options(registered)
    thief = app.test_client()
    _, thief_token = login_options(thief)  # the thief's session has its own challenge
    stolen = authenticator.get(options)
    response = thief.post("/login/passkey", json={"credential": stolen}, headers={"X-CSRFToken": thief_token})
    assert response.status_code == 400
    assert thief.get("/").status_code == 302


@pytest.mark.parametrize(
    "tamper",
    [
        {"origin": "https://evil.example"},  # phished: the page was another site's
        {"counter_step": 0},  # the counter did not move: a cloned authenticator
    ],
)
def test_a_bad_assertion_logs_nobody_in_and_is_recorded(registered, seller, authenticator, tamper):
    passkey_login(registered, authenticator)  # the counter is now above zero
    registered.post("/logout", data={"csrf_token": csrf_token(registered.get("/").get_data(as_text=True))})
    response = passkey_login(registered, authenticator, **tamper)
    assert response.status_code == 400 and "log in with your email and password" in response.get_json()["error"]
    assert registered.get("/").status_code == 302
    assert events(seller)[-1] == "passkey_login_failed"


def test_a_passkey_of_another_relying_party_is_refused(registered, authenticator):
    authenticator.rp_id = "evil.example"
    assert passkey_login(registered, authenticator).status_code == 400


def test_a_user_handle_of_another_account_is_refused(registered, authenticator):
    authenticator.user_handle = "c29tZWJvZHktZWxzZQ"
    assert passkey_login(registered, authenticator).status_code == 400


def test_an_unknown_passkey_is_refused(client):
    response = passkey_login(client, SoftAuthenticator(ORIGIN))
    assert response.status_code == 400 and "not registered" in response.get_json()["error"]


def test_the_backup_state_is_kept_up_to_date(app, client, seller, auth):
    auth.login()
    synced = SoftAuthenticator(ORIGIN, backup_eligible=True)
    synced.backed_up = False
    add_passkey(client, synced)
    synced.backed_up = True
    assert passkey_login(app.test_client(), synced).status_code == 200
    assert db.session.execute(db.select(Passkey.backed_up)).scalar_one() is True


def test_failed_passkey_logins_are_throttled(app, seller, authenticator, client):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    stranger = SoftAuthenticator(ORIGIN)
    for _ in range(3):
        assert passkey_login(client, stranger).status_code == 400
    assert passkey_login(client, stranger).status_code == 429


def test_activity_shows_passkey_logins(registered, seller, authenticator):
    passkey_login(registered, authenticator)
    html = registered.get("/account/activity").get_data(as_text=True)
    assert "Logged in with a passkey" in html and "Added a passkey" in html


def test_a_credential_already_registered_is_not_added_again(client, seller, auth, authenticator):
    auth.login()
    assert add_passkey(client, authenticator).status_code == 200
    html = start_adding(client, "Again").get_data(as_text=True)
    options = options_on(html)
    options["excludeCredentials"] = []  # a crafted request, past what the browser would refuse
    response = client.post(
        "/account/passkeys/register",
        json={"name": "Again", "credential": authenticator.create(options)},
        headers={"X-CSRFToken": csrf_token(html)},
    )
    assert response.status_code == 400 and "already registered" in response.get_json()["error"]
    assert db.session.execute(db.select(db.func.count()).select_from(Passkey)).scalar() == 1


def test_a_passkey_login_satisfies_max_age(registered, authenticator, flow, clock):
    f = flow(trusted=True)
    f.client = registered
    assert passkey_login(registered, authenticator).status_code == 200
    clock.advance(120)
    to_login = f.authorize(max_age="60")
    assert to_login.status_code == 302 and "/login?" in to_login.location
    next_url = query_of(to_login.location)["next"]
    back = passkey_login(registered, authenticator, next_url=next_url).get_json()["redirect"]
    answer = registered.get(back)
    assert answer.status_code == 302 and "code" in query_of(answer.location), answer.location
