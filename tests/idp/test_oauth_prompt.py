"""prompt, max_age, auth_time and login_hint at the authorization endpoint."""
import html
from urllib.parse import urlsplit

import pytest

from tests.support.oauth import decode_id_token
from tests.support.pages import csrf_token, query_of
from tests.support.qsm import PASSWORD

ISSUER = "http://qsm.test"


def error_of(response):
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.startswith("https://app.example/callback?")
    return query_of(response.location)


def log_in_through(client, login_location):
    """Submit the login form the authorization endpoint sent the seller to; return where it leads."""
    page = client.get(login_location)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    next_url = html.unescape(query_of(login_location)["next"])
    response = client.post(
        "/login",
        data={"email": "seller@example.com", "password": PASSWORD, "next": next_url, "csrf_token": csrf_token(body)},
    )
    assert response.status_code == 302
    return response.location


def test_prompt_none_without_a_session_is_login_required(seller, flow):
    params = error_of(flow(trusted=True).authorize(prompt="none", state="p1"))
    assert params["error"] == "login_required" and params["state"] == "p1" and params["iss"] == ISSUER
    assert "code" not in params


def test_prompt_none_without_consent_is_consent_required(seller, auth, flow):
    auth.login()
    params = error_of(flow().authorize(prompt="none", state="p2"))
    assert params["error"] == "consent_required" and params["state"] == "p2" and params["iss"] == ISSUER


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "consented"])
def test_prompt_none_with_session_and_consent_issues_a_code_silently(seller, auth, flow, trusted):
    auth.login()
    f = flow(trusted=trusted)
    if not trusted:
        f.get_code()
    params = error_of(f.authorize(prompt="none"))
    assert params["code"] and params["iss"] == ISSUER


def test_prompt_none_with_another_value_is_refused(seller, auth, flow):
    auth.login()
    params = error_of(flow(trusted=True).authorize(prompt="none login"))
    assert params["error"] == "invalid_request"


def test_prompt_login_shows_the_login_page_even_when_logged_in(seller, auth, client, flow, clock):
    auth.login()
    f = flow(trusted=True)
    clock.advance(30)
    response = f.authorize(prompt="login", state="p3")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    back = log_in_through(client, response.location)
    assert "prompt=login" not in back  # the fresh login satisfies it: no loop
    params = error_of(client.get(back))
    assert params["state"] == "p3" and params["code"]
    tokens = f.exchange(params["code"]).get_json()
    assert decode_id_token(client, tokens["id_token"]).claims["auth_time"] == int(clock.time())


def test_prompt_consent_asks_again_for_scopes_already_granted(seller, auth, flow):
    auth.login()
    f = flow()
    f.get_code(scope="openid email")
    assert f.authorize(scope="openid email").status_code == 302  # remembered
    page = f.authorize(scope="openid email", prompt="consent")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Allow" in body and "(already allowed)" not in body


def test_prompt_consent_asks_even_for_a_trusted_client(seller, auth, flow):
    auth.login()
    page = flow(trusted=True).authorize(prompt="consent")
    assert page.status_code == 200 and 'value="allow"' in page.get_data(as_text=True)


def test_max_age_exceeded_sends_the_seller_to_log_in_again(seller, auth, client, flow, clock):
    auth.login()
    login_time = int(clock.time())
    f = flow(trusted=True)
    clock.advance(120)
    response = f.authorize(max_age="60")
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    back = log_in_through(client, response.location)
    params = error_of(client.get(back))
    claims = decode_id_token(client, f.exchange(params["code"]).get_json()["id_token"]).claims
    assert claims["auth_time"] == login_time + 120


def test_max_age_zero_forces_a_login_that_is_then_accepted(seller, auth, client, flow, clock):
    auth.login()
    f = flow(trusted=True)
    clock.advance(1)
    response = f.authorize(max_age="0")
    assert urlsplit(response.location).path == "/login"
    back = log_in_through(client, response.location)
    clock.advance(1)
    params = error_of(client.get(back))
    assert params["code"]


def test_prompt_none_with_a_login_too_old_is_login_required(seller, auth, flow, clock):
    auth.login()
    clock.advance(120)
    params = error_of(flow(trusted=True).authorize(prompt="none", max_age="60", state="p5"))
    assert params["error"] == "login_required" and params["state"] == "p5" and params["iss"] == ISSUER


def test_max_age_within_limit_keeps_the_session_and_reports_auth_time(seller, auth, client, flow, clock):
    auth.login()
    login_time = int(clock.time())
    f = flow(trusted=True)
    clock.advance(120)
    params = error_of(f.authorize(max_age="600"))
    claims = decode_id_token(client, f.exchange(params["code"]).get_json()["id_token"]).claims
    assert claims["auth_time"] == login_time


def test_auth_time_is_in_every_id_token(seller, auth, client, flow, clock):
    auth.login()
    login_time = int(clock.time())
    clock.advance(5)
    tokens = flow(trusted=True).tokens()
    assert decode_id_token(client, tokens["id_token"]).claims["auth_time"] == login_time


@pytest.mark.parametrize("max_age", ["-1", "abc", "1.5", ""])
def test_a_malformed_max_age_is_refused(seller, auth, flow, max_age):
    auth.login()
    response = flow(trusted=True).authorize(max_age=max_age, state="p4")
    if max_age == "":
        assert error_of(response)["code"]  # an empty parameter is an absent one
        return
    params = error_of(response)
    assert params["error"] == "invalid_request" and params["state"] == "p4" and params["iss"] == ISSUER


def test_login_hint_prefills_the_login_form(seller, client, flow):
    response = flow(trusted=True).authorize(login_hint="someone@example.com")
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    assert query_of(response.location)["login_hint"] == "someone@example.com"
    body = client.get(response.location).get_data(as_text=True)
    assert 'value="someone@example.com"' in body


def test_the_login_round_trip_completes_the_original_request(seller, client, flow):
    f = flow(trusted=True)
    response = f.authorize(state="round-trip", nonce="n-rt")
    back = log_in_through(client, response.location)
    params = error_of(client.get(back))
    assert params["state"] == "round-trip"
    claims = decode_id_token(client, f.exchange(params["code"]).get_json()["id_token"]).claims
    assert claims["nonce"] == "n-rt"
