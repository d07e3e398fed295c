"""The authorization endpoint's checks (idp/oauth/authorize_policy.py), called directly."""
from types import SimpleNamespace

import pytest
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError

from idp.oauth.authorize_policy import (
    ASK,
    ISSUE,
    LOGIN,
    check_interaction,
    check_login,
    check_prompt,
    check_pushed,
    decide,
    login_after_push,
    login_is_too_old,
    needs_consent,
)
from tests.support.pages import query_of

CALLBACK = "https://app.example/callback"
SELLER = SimpleNamespace(id=1)


def app_client(trusted=False, par=False):
    return SimpleNamespace(id=1, trusted=trusted, require_pushed_authorization_requests=par)


def pushed_at(started_at):
    return SimpleNamespace(started_at=started_at)


@pytest.mark.parametrize(
    ("value", "prompts"),
    [(None, []), ("", []), ("none", ["none"]), ("login consent", ["login", "consent"])],
)
def test_check_prompt_gives_the_values_asked_for(value, prompts):
    assert check_prompt(value) == prompts


@pytest.mark.parametrize("value", ["none login", "consent none", "none none"])
def test_check_prompt_refuses_none_with_anything_else(value):
    with pytest.raises(InvalidRequestError) as raised:
        check_prompt(value, CALLBACK)
    assert raised.value.redirect_uri == CALLBACK


def test_check_pushed_refuses_a_plain_request_of_a_client_that_must_push():
    with pytest.raises(InvalidRequestError) as raised:
        check_pushed(app_client(par=True), None, CALLBACK)
    assert raised.value.redirect_uri == CALLBACK
    check_pushed(app_client(par=True), pushed_at(100))
    check_pushed(app_client(), None)


@pytest.mark.parametrize(
    ("max_age", "auth_time", "at", "too_old"),
    [
        (None, 0, 10_000, False),
        (60, 1000, 1060, False),
        (60, 1000, 1061, True),
        (0, 1000, 1001, True),
        (0, 1000, 1000, False),
    ],
)
def test_login_is_too_old_when_more_than_max_age_seconds_ago(max_age, auth_time, at, too_old):
    assert login_is_too_old(max_age, auth_time, at) is too_old


@pytest.mark.parametrize(
    ("pushed", "auth_time", "after"),
    [(None, 200, False), (pushed_at(None), 200, False), (pushed_at(100), None, False), (pushed_at(100), 100, False),
     (pushed_at(100), 101, True)],
)
def test_login_after_push_only_when_the_login_followed_the_start(pushed, auth_time, after):
    assert login_after_push(pushed, auth_time) is after


@pytest.mark.parametrize(
    ("seller", "prompts", "max_age", "pushed", "needed"),
    [
        (None, [], None, None, True),
        (SELLER, [], None, None, False),
        (SELLER, ["login"], None, None, True),
        (SELLER, ["consent"], None, None, False),
        (SELLER, [], "60", None, True),  # logged in at 1000, now 2000
        (SELLER, [], "5000", None, False),
        (SELLER, [], "", None, False),  # an empty max_age is an absent one
        (SELLER, ["login"], "0", pushed_at(999), False),  # the login followed the push: satisfies both
        (SELLER, ["login"], None, pushed_at(1000), True),
    ],
)
def test_check_login(seller, prompts, max_age, pushed, needed):
    assert check_login(seller, prompts, max_age, 1000, 2000, pushed) is needed


@pytest.mark.parametrize("max_age", ["soon", "-1"])
def test_check_login_refuses_a_malformed_max_age_back_to_the_client(max_age):
    with pytest.raises(InvalidRequestError) as raised:
        check_login(SELLER, [], max_age, 1000, 2000, None, CALLBACK)
    assert raised.value.redirect_uri == CALLBACK


def test_check_login_reads_no_max_age_when_nobody_is_logged_in():
    assert check_login(None, [], "soon", None, 2000) is True


@pytest.mark.parametrize("error_class", [LoginRequiredError, ConsentRequiredError])
def test_check_interaction_turns_a_page_into_the_error_with_prompt_none(error_class):
    with pytest.raises(error_class) as raised:
        check_interaction(["none"], error_class, CALLBACK)
    assert raised.value.redirect_uri == CALLBACK
    check_interaction([], error_class, CALLBACK)
    check_interaction(["login"], error_class, CALLBACK)


def granted(scope):
    reads = []

    def read():
        reads.append(scope)
        return scope

    return read, reads


def test_needs_consent_asks_only_for_scopes_not_granted_yet():
    read, reads = granted("openid profile")
    assert needs_consent(app_client(), "openid profile email", [], read) == ["email"]
    assert reads == ["openid profile"]
    assert needs_consent(app_client(), "openid", [], granted(None)[0]) == ["openid"]
    assert needs_consent(app_client(), "openid", [], granted("openid email")[0]) == []


def test_needs_consent_asks_for_everything_with_prompt_consent_even_a_trusted_site():
    read, reads = granted("openid profile email")
    assert needs_consent(app_client(), "openid email", ["consent"], read) == ["openid", "email"]
    assert needs_consent(app_client(trusted=True), "openid email", ["consent"], read) == ["openid", "email"]
    assert reads == []


def test_needs_consent_asks_a_trusted_site_nothing_without_reading_consents():
    read, reads = granted(None)
    assert needs_consent(app_client(trusted=True), "openid email", [], read) == []
    assert reads == []


def decision(seller, prompts, client=None, pushed=None, max_age=None, answer=None):
    return decide(
        seller,
        client or app_client(),
        "openid email",
        prompts,
        max_age=max_age,
        auth_time=1000,
        at=2000,
        pushed_request=pushed,
        answer=answer,
        redirect_uri=CALLBACK,
    )


def test_decide_sends_to_the_login_page_or_with_prompt_none_answers_login_required():
    assert decision(None, []).action == LOGIN
    assert decision(SELLER, ["login"]).action == LOGIN
    with pytest.raises(LoginRequiredError):
        decision(None, ["none"])
    with pytest.raises(LoginRequiredError):
        decision(SELLER, ["none"], max_age="10")


def test_decide_checks_the_push_before_the_login():
    with pytest.raises(InvalidRequestError):
        decision(None, [], client=app_client(par=True))


def test_decide_asks_for_consent_or_with_prompt_none_answers_consent_required(app):
    ask = decision(SELLER, [])  # seller 1 has granted client 1 nothing
    assert ask.action == ASK and ask.scopes == ("openid", "email")
    with pytest.raises(ConsentRequiredError) as raised:
        decision(SELLER, ["none"])
    assert raised.value.redirect_uri == CALLBACK


def test_decide_issues_to_a_trusted_site_without_asking(app):
    issue = decision(SELLER, ["none"], client=app_client(trusted=True))
    assert issue.action == ISSUE and issue.seller is SELLER


def test_authorize_refuses_prompt_none_with_another_value_without_openid_too(seller, auth, flow):
    """One prompt check for every request: Authlib's ran only for openid requests."""
    auth.login()
    response = flow(trusted=True).authorize(scope="qsm.orders.read", prompt="none login")
    assert response.status_code == 302
    assert query_of(response.location)["error"] == "invalid_request"
