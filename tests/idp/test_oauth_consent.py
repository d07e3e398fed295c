"""The consent page: trusted family sites skip it; others ask, in plain words, and remember."""
import re
from html import unescape

import pytest

from idp.extensions import db
from idp.models import AuthorizationCode, Consent
from idp.oauth.claims import SCOPES
from tests.support.pages import csrf_token, query_of

ISSUER = "http://qsm.test"


def listed_scopes(body):
    """(description, is_new) for every scope on the page."""
    scopes = re.search(r'<ul class="scopes">(.*?)</ul>', body, re.S).group(1)
    items = re.findall(r"<li( class=\"new\")?>(.*?)</li>", scopes, re.S)
    return [
        (unescape(re.sub(r"<[^>]+>", "", text)).replace("(already allowed)", "").strip(), bool(new))
        for new, text in items
    ]


def answer(client, page, decision, params):
    return client.post(
        "/oauth/authorize",
        query_string=params,
        data={"decision": decision, "csrf_token": csrf_token(page.get_data(as_text=True))},
    )


@pytest.fixture
def logged_in(seller, auth):
    auth.login()
    return seller


def test_trusted_clients_skip_the_consent_page(logged_in, flow):
    response = flow(trusted=True).authorize(scope="openid profile email qsm.orders.read")
    assert response.status_code == 302 and "code" in query_of(response.location)
    assert db.session.execute(db.select(Consent)).first() is None


def test_the_page_lists_every_scope_in_plain_words_with_allow_and_deny(logged_in, flow):
    f = flow(name="Parcel Tracker")
    scope = "openid profile email address phone offline_access qsm.orders.read qsm.inventory"
    page = f.authorize(scope=scope)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Parcel Tracker" in body
    assert listed_scopes(body) == [(SCOPES[name], True) for name in scope.split()]
    scopes_block = re.search(r'<ul class="scopes">(.*?)</ul>', body, re.S).group(1)
    assert "qsm.orders.read" not in scopes_block and "offline_access" not in scopes_block  # words, not identifiers
    assert 'value="allow"' in body and 'value="deny"' in body
    assert page.headers.get("X-Frame-Options") == "DENY" or "frame-ancestors" in page.headers.get(
        "Content-Security-Policy", ""
    )


def test_deny_redirects_with_access_denied_and_state(logged_in, client, flow):
    f = flow()
    params = f.authorize_params(state="deny-me")
    page = f.authorize(**params)
    response = answer(client, page, "deny", params)
    assert response.status_code == 302
    result = query_of(response.location)
    assert result["error"] == "access_denied" and result["state"] == "deny-me" and result["iss"] == ISSUER
    assert "code" not in result
    assert db.session.execute(db.select(Consent)).first() is None
    assert db.session.execute(db.select(AuthorizationCode)).first() is None


def test_allow_issues_a_code_and_is_remembered(logged_in, client, flow):
    f = flow()
    params = f.authorize_params(state="allow-me", scope="openid email")
    response = answer(client, f.authorize(**params), "allow", params)
    result = query_of(response.location)
    assert result["state"] == "allow-me" and result["code"] and result["iss"] == ISSUER
    again = f.authorize(scope="openid email")
    assert again.status_code == 302 and "code" in query_of(again.location)
    assert f.authorize(scope="openid").status_code == 302  # a subset needs no new consent


def test_a_new_scope_asks_again_showing_only_it_as_new(logged_in, flow):
    f = flow()
    f.get_code(scope="openid email")
    page = f.authorize(scope="openid email qsm.orders.read")
    assert page.status_code == 200
    assert listed_scopes(page.get_data(as_text=True)) == [
        (SCOPES["openid"], False),
        (SCOPES["email"], False),
        (SCOPES["qsm.orders.read"], True),
    ]
    f.get_code(scope="openid email qsm.orders.read")
    consent = db.session.execute(db.select(Consent)).scalar_one()
    assert set(consent.scope.split()) == {"openid", "email", "qsm.orders.read"}


def test_consent_is_per_seller(make_seller, seller, auth, client, flow):
    auth.login()
    f = flow()
    f.get_code(scope="openid email")
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    make_seller("other@example.com")
    auth.login("other@example.com")
    assert f.authorize(scope="openid email").status_code == 200


@pytest.mark.parametrize("token", [None, "forged"])
def test_an_answer_without_the_pages_csrf_token_is_refused(logged_in, client, flow, token):
    f = flow()
    params = f.authorize_params()
    f.authorize(**params)
    data = {"decision": "allow"}
    if token:
        data["csrf_token"] = token
    response = client.post("/oauth/authorize", query_string=params, data=data)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert db.session.execute(db.select(Consent)).first() is None


def test_an_answer_after_the_session_ended_is_refused(seller, auth, client, flow):
    auth.login()
    f = flow()
    params = f.authorize_params()
    page = f.authorize(**params)
    token = csrf_token(page.get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    response = client.post("/oauth/authorize", query_string=params, data={"decision": "allow", "csrf_token": token})
    assert response.status_code == 400 and "Location" not in response.headers


def test_two_tabs_allowing_at_once_merge_into_one_consent(logged_in, make_client, monkeypatch):
    from idp.oauth import consent as consent_rules

    oauth_client = make_client()
    consent_rules.record_consent(logged_in, oauth_client, "openid email")
    real_find = consent_rules.find_consent
    calls = []

    def find_missing_the_other_tabs_row(seller, client):
        calls.append(1)
        return None if len(calls) == 1 else real_find(seller, client)

    monkeypatch.setattr(consent_rules, "find_consent", find_missing_the_other_tabs_row)
    consent_rules.record_consent(logged_in, oauth_client, "openid qsm.orders.read")
    consent = db.session.execute(db.select(Consent)).scalar_one()
    assert set(consent.scope.split()) == {"openid", "email", "qsm.orders.read"}
