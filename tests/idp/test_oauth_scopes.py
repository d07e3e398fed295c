"""Scopes: the eight QSM knows; unknown ones refused; unregistered ones not granted."""
import pytest

from idp.oauth.claims import SCOPES
from tests.support.pages import query_of

ALL = "openid profile email address phone offline_access qsm.orders.read qsm.inventory"


@pytest.fixture
def logged_in(seller, auth):
    auth.login()
    return seller


def test_the_scopes_qsm_knows():
    assert list(SCOPES) == ALL.split()


def test_every_known_scope_can_be_granted(logged_in, flow):
    tokens = flow(trusted=True).tokens(scope=ALL)
    assert tokens["scope"] == ALL


@pytest.mark.parametrize("scope", ["openid admin", "openid qsm.orders.write", "openid OPENID", "openid email\u00e9"])
def test_an_unknown_scope_is_invalid_scope(logged_in, flow, scope):
    response = flow(trusted=True).authorize(scope=scope, state="sc")
    assert response.status_code == 302
    params = query_of(response.location)
    assert params["error"] == "invalid_scope" and params["state"] == "sc" and params["iss"] == "http://qsm.test"
    assert "code" not in params


def test_a_scope_the_client_is_not_registered_for_is_not_granted(logged_in, flow):
    f = flow(trusted=True, scope="openid email")
    tokens = f.tokens(scope="openid email qsm.orders.read offline_access")
    assert tokens["scope"] == "openid email"
    assert "refresh_token" not in tokens


def test_the_consent_page_asks_only_for_registered_scopes(logged_in, flow):
    page = flow(scope="openid email").authorize(scope="openid email qsm.inventory")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert SCOPES["email"] in body and SCOPES["qsm.inventory"] not in body


def test_without_a_scope_the_token_has_none_and_no_id_token(logged_in, flow):
    tokens = flow(trusted=True).tokens(scope=None)
    assert "id_token" not in tokens and not tokens.get("scope")


def test_duplicate_and_extra_spaces_in_scope(logged_in, flow):
    tokens = flow(trusted=True).tokens(scope="openid  email openid")
    assert sorted(tokens["scope"].split()) == ["email", "openid"]
