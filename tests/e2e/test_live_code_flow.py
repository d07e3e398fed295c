"""The authorization code flow with PKCE against a live QSM, over real HTTP with ``requests`` only.

The relying party here is written by hand from the specifications (OpenID Connect Core 3.1,
RFC 6749, 7636, 7009, 7662, 9207): discovery, the real login form with its CSRF token, the
consent page, the token endpoint, ID token validation against the JWKS fetched over HTTP,
UserInfo, refresh token rotation, revocation and introspection.
"""
import base64
import hashlib
import secrets
import time
from urllib.parse import urlencode

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.support.oauth import authorization_params, code_exchange, pkce_pair
from tests.support.pages import query_of

pytestmark = pytest.mark.live

TIMEOUT = 10


def left_hash(value):
    """at_hash for RS256/ES256: the left half of the SHA-256 of the token, base64url (OIDC Core 3.1.3.6)."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def metadata(qsm):
    response = requests.get(qsm.url("/.well-known/openid-configuration"), timeout=TIMEOUT)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def seller(qsm):
    return qsm.make_seller(contact_name="Tan Wei Ling", shop_name="Lion City Gadgets")


@pytest.fixture
def rp(qsm):
    """A new confidential client that is not trusted: the seller is asked for consent."""
    return qsm.make_client(name="Hand-written RP", token_endpoint_auth_method="client_secret_basic")


class Flow:
    """One authorization request, from the authorization URL to the token response."""

    def __init__(self, metadata, client, agent, scope="openid profile email offline_access"):
        self.metadata = metadata
        self.client = client
        self.agent = agent
        self.verifier, self.challenge = pkce_pair()
        self.state = secrets.token_urlsafe(12)
        self.nonce = secrets.token_urlsafe(12)
        self.scope = scope

    def authorization_url(self, **overrides):
        c = self.client
        overrides = {"state": self.state, "nonce": self.nonce, **overrides}
        params = authorization_params(c.client_id, c.redirect_uri, self.scope, self.challenge, **overrides)
        return self.metadata["authorization_endpoint"] + "?" + urlencode(params)

    def callback(self, decision="allow", **overrides):
        location = self.agent.authorize(self.authorization_url(**overrides), decision=decision)
        assert location.split("?")[0] == self.client.redirect_uri
        return query_of(location)

    def code(self, **overrides):
        params = self.callback(**overrides)
        assert params.get("state") == self.state, params
        assert "code" in params, params
        return params["code"]

    def token_request(self, data, auth=None):
        return requests.post(
            self.metadata["token_endpoint"],
            data=data,
            auth=auth if auth is not None else (self.client.client_id, self.client.client_secret),
            timeout=TIMEOUT,
        )

    def exchange(self, code, **overrides):
        return self.token_request(code_exchange(code, self.client.redirect_uri, self.verifier, **overrides))


def introspect(f, metadata, token, hint=None):
    data = {"token": token, **({"token_type_hint": hint} if hint else {})}
    response = requests.post(
        metadata["introspection_endpoint"],
        data=data,
        auth=(f.client.client_id, f.client.client_secret),
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def flow(metadata, rp, seller, seller_agent):
    def start(client=rp, agent=None, **kwargs):
        return Flow(metadata, client, agent or seller_agent(seller), **kwargs)

    return start


def validate_id_token(id_token, metadata, client, nonce):
    """OIDC Core 3.1.3.7, with the keys fetched from jwks_uri over HTTP."""
    jwks = requests.get(metadata["jwks_uri"], timeout=TIMEOUT)
    assert jwks.status_code == 200
    assert jwks.headers["Content-Type"].startswith(("application/jwk-set+json", "application/json"))
    key_set = jwks.json()
    assert all("d" not in key and "p" not in key for key in key_set["keys"]), "private key material published"
    token = jwt.decode(
        id_token, KeySet.import_key_set(key_set), algorithms=metadata["id_token_signing_alg_values_supported"]
    )
    assert token.header["kid"] in {key["kid"] for key in key_set["keys"]}
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": client.client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        auth_time={"essential": True},
        at_hash={"essential": True},
    ).validate(token.claims)
    return token


def test_discovery_describes_the_live_server(qsm, metadata):
    assert metadata["issuer"] == qsm.base_url
    endpoints = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                 "revocation_endpoint", "introspection_endpoint", "end_session_endpoint")
    for name in endpoints:
        assert metadata[name].startswith(qsm.base_url + "/"), name
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert requests.get(metadata["jwks_uri"], timeout=TIMEOUT).json()["keys"]


def test_code_flow_with_pkce_from_login_to_revocation(flow, metadata, rp, seller):
    f = flow()
    started = int(time.time())

    # Log in through the real form, consent, and come back to the redirect URI with the issuer (RFC 9207).
    params = f.callback()
    assert [kind for kind, _ in f.agent.pages] == ["login", "consent"]
    assert params["state"] == f.state
    assert params["iss"] == metadata["issuer"]
    assert "Hand-written RP" in f.agent.last_consent_page
    assert "See your email address" in f.agent.last_consent_page

    response = f.exchange(params["code"])
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] > 0
    assert set(tokens["scope"].split()) == {"openid", "profile", "email", "offline_access"}

    id_token = validate_id_token(tokens["id_token"], metadata, rp, f.nonce)
    claims = id_token.claims
    assert claims["sub"] == seller.sub
    assert started - 1 <= claims["auth_time"] <= int(time.time()) + 1
    assert claims["at_hash"] == left_hash(tokens["access_token"])
    assert claims["exp"] > time.time()
    assert claims["email"] == seller.email

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    info = requests.get(metadata["userinfo_endpoint"], headers=bearer, timeout=TIMEOUT)
    assert info.status_code == 200, info.text
    userinfo = info.json()
    assert userinfo["sub"] == seller.sub
    assert userinfo["email"] == seller.email
    assert userinfo["name"] == "Tan Wei Ling"
    assert userinfo["shop_name"] == "Lion City Gadgets"
    assert "address" not in userinfo and "phone_number" not in userinfo  # not asked for

    # Refresh rotates: a new refresh token, a working new access token, the old one spent.
    refreshed = f.token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["access_token"] != tokens["access_token"]
    new_bearer = {"Authorization": f"Bearer {new['access_token']}"}
    assert requests.get(metadata["userinfo_endpoint"], headers=new_bearer, timeout=TIMEOUT).json()["sub"] == seller.sub

    about = introspect(f, metadata, new["access_token"])
    assert about["active"] is True
    assert about["client_id"] == rp.client_id
    assert about["sub"] == seller.sub
    assert about["iss"] == metadata["issuer"]
    assert set(about["scope"].split()) == {"openid", "profile", "email", "offline_access"}
    assert introspect(f, metadata, new["refresh_token"], "refresh_token")["active"] is True
    assert introspect(f, metadata, tokens["refresh_token"], "refresh_token") == {"active": False}

    # Revoking the refresh token ends the whole grant (RFC 7009 2.1).
    revoked = requests.post(
        metadata["revocation_endpoint"],
        data={"token": new["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(rp.client_id, rp.client_secret),
        timeout=TIMEOUT,
    )
    assert revoked.status_code == 200, revoked.text
    assert introspect(f, metadata, new["refresh_token"], "refresh_token") == {"active": False}
    assert introspect(f, metadata, new["access_token"]) == {"active": False}
    again = f.token_request({"grant_type": "refresh_token", "refresh_token": new["refresh_token"]})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_second_flow_skips_consent_already_given(qsm, flow):
    client = qsm.make_client(name="Asks once")
    first = flow(client=client)
    first.code()
    assert [kind for kind, _ in first.agent.pages] == ["login", "consent"]
    second = flow(client=client, agent=first.agent)  # same cookies: still logged in
    second.code()
    assert [kind for kind, _ in second.agent.pages] == ["login", "consent"]  # no new page
    third = flow(client=client, agent=first.agent, scope="openid phone")
    third.code()
    assert [kind for kind, _ in third.agent.pages] == ["login", "consent", "consent"]  # phone is new


def test_deny_sends_access_denied_to_the_client(flow, metadata):
    f = flow(scope="openid phone")
    params = f.callback(decision="deny")
    assert params["error"] == "access_denied"
    assert params["state"] == f.state
    assert params["iss"] == metadata["issuer"]
    assert "code" not in params


def test_reused_refresh_token_revokes_the_family(flow, metadata):
    f = flow()
    tokens = f.exchange(f.code()).json()
    rotated = f.token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    replay = f.token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # The thief's replay also kills what the legitimate client got from the rotation.
    successor = f.token_request({"grant_type": "refresh_token", "refresh_token": rotated.json()["refresh_token"]})
    assert successor.status_code == 400
    assert introspect(f, metadata, rotated.json()["access_token"]) == {"active": False}


@pytest.mark.parametrize(
    "overrides, auth, status, error",
    [
        ({"code_verifier": "x" * 43}, None, 400, "invalid_grant"),
        ({"code_verifier": None}, None, 400, "invalid_request"),
        ({"redirect_uri": "http://127.0.0.1:9/elsewhere"}, None, 400, "invalid_grant"),
        ({}, "wrong-secret", 401, "invalid_client"),
        ({"grant_type": "password"}, None, 400, "unsupported_grant_type"),
    ],
    ids=["wrong-verifier", "no-verifier", "other-redirect-uri", "wrong-secret", "unsupported-grant"],
)
def test_token_endpoint_refuses_a_bad_exchange(flow, rp, overrides, auth, status, error):
    f = flow(scope="openid")
    code = f.code()
    response = (
        f.exchange(code, **overrides)
        if auth is None
        else f.token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": rp.redirect_uri,
                "code_verifier": f.verifier,
            },
            auth=(rp.client_id, auth),
        )
    )
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


def test_replayed_code_is_refused_and_revokes_what_it_issued(flow, metadata):
    f = flow()
    code = f.code()
    first = f.exchange(code)
    assert first.status_code == 200
    replay = f.exchange(code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert introspect(f, metadata, first.json()["access_token"]) == {"active": False}


@pytest.mark.parametrize("which", ["revoked", "unknown"])
def test_userinfo_refuses_a_dead_access_token_with_401(flow, metadata, rp, which):
    f = flow(scope="openid")
    access_token = f.exchange(f.code()).json()["access_token"]
    if which == "revoked":
        revoked = requests.post(
            metadata["revocation_endpoint"], data={"token": access_token},
            auth=(rp.client_id, rp.client_secret), timeout=TIMEOUT,
        )
        assert revoked.status_code == 200
    else:
        access_token = secrets.token_urlsafe(32)
    response = requests.get(
        metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}, timeout=TIMEOUT
    )
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"prompt": "none", "scope": "openid address"}, "consent_required"),
    ],
    ids=["no-pkce", "plain-pkce", "implicit", "prompt-none-needs-consent"],
)
def test_authorization_errors_come_back_to_the_client(flow, metadata, overrides, error):
    logged_in = flow()
    logged_in.code()  # logged in, and openid profile email offline_access allowed
    f = flow(agent=logged_in.agent)
    params = f.callback(**overrides)
    assert params["error"] == error, params
    assert params["state"] == f.state
    assert params["iss"] == metadata["issuer"]
    assert "code" not in params


@pytest.mark.parametrize("method", ["client_secret_post", "none"])
def test_other_token_endpoint_auth_methods(qsm, flow, metadata, method):
    client = qsm.make_client(name=f"RP using {method}", token_endpoint_auth_method=method)
    f = flow(client=client, scope="openid")
    data = {
        "grant_type": "authorization_code",
        "code": f.code(),
        "redirect_uri": client.redirect_uri,
        "code_verifier": f.verifier,
        "client_id": client.client_id,
    }
    if client.client_secret:
        data["client_secret"] = client.client_secret
    response = requests.post(metadata["token_endpoint"], data=data, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    validate_id_token(response.json()["id_token"], metadata, client, f.nonce)
