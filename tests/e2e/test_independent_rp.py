"""An independent, OpenID-certified relying party completes the whole flow against a live QSM.

The RP is pyoidc (PyPI ``oic``, https://github.com/CZ-NIC/pyoidc), which we did not write. It
does every protocol step with its own calls:

* discovery and JWKS: ``Client.provider_config(issuer)`` (checks that the issuer in the document
  is the one asked for, and loads the keys from ``jwks_uri`` into its key jar);
* the authorization request with PKCE: ``add_code_challenge()`` and ``construct_AuthorizationRequest``;
* the callback: ``parse_response(AuthorizationResponse, ...)``, which compares RFC 9207's ``iss``
  with the discovered issuer when present (state is matched by the test);
* the code exchange: ``do_access_token_request`` (client_secret_basic), which verifies the ID
  token's signature with the discovered keys, its iss, aud, exp/iat and the nonce;
* UserInfo: ``do_user_info_request`` (checks that sub matches the ID token's);
* refresh: ``do_access_token_refresh``;
* revocation and introspection: ``do_token_revocation`` and ``do_token_introspection`` from
  pyoidc's OAuth 2.0 extension client (``oic.extension.client.Client``), which is where pyoidc
  keeps RFC 7009 and RFC 7662; the OpenID client class has neither. The extension client is
  given the same discovery document and registration.

The RP is registered as requiring pushed authorization requests (RFC 9126), as Parcel Pal is.
pyoidc has no PAR support (its successors, oidcrp and idpy-oidc, have a PAR add-on; neither is
installed here), so the test pushes: it POSTs the request pyoidc built (``to_urlencoded()``) to
the ``pushed_authorization_request_endpoint`` pyoidc discovered, with the Authorization header of
pyoidc's own ``client_secret_basic`` method, and sends the seller to the authorization endpoint
with only client_id and the request_uri. The test also shows QSM refusing the same request sent
plainly through the browser.

Gaps in pyoidc, said here and covered by the test itself: pyoidc does not keep the PKCE
verifier it makes ("TODO store code_verifier" in its source), so the test passes it to the token
request; it accepts a callback without ``iss`` and an ID token without ``auth_time`` when no
max_age was sent, and checks ``at_hash`` only for ID tokens from the authorization endpoint (it is
optional in the code flow), so the test checks those three itself, at_hash with pyoidc's own
``jwkest.jws.left_hash``.

Only the seller's part (the login form and the consent page) is driven by a plain
``requests.Session``: that is a person at a browser, not the RP.
"""
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from jwkest import BadSignature
from jwkest.jws import left_hash
from oic import rndstr
from oic.exception import ParameterError
from oic.extension.client import Client as OAuth2ExtensionClient
from oic.extension.message import TokenIntrospectionResponse
from oic.oauth2.message import ErrorResponse, Message
from oic.oic import Client as OpenIDClient
from oic.oic.message import AccessTokenResponse, AuthorizationResponse, OpenIDSchema, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from oic.utils.keyio import KeyBundle
from oic.utils.settings import OauthClientSettings, OicClientSettings

from tests.e2e.conftest import HTTP_TIMEOUT

pytestmark = pytest.mark.live

SCOPE = ["openid", "profile", "email", "address", "offline_access"]


@pytest.fixture(scope="module")
def seller(qsm):
    return qsm.make_seller(contact_name="Park Ji-woo", shop_name="Kimchi Market", phone="+65 6987 6543")


@pytest.fixture(scope="module")
def registration(qsm):
    """Registered in QSM beforehand (QSM has no dynamic registration): what the RP is configured with."""
    client = qsm.make_client(
        name="pyoidc RP", token_endpoint_auth_method="client_secret_basic", require_pushed_authorization_requests=True
    )
    return RegistrationResponse(
        client_id=client.client_id,
        client_secret=client.client_secret,
        redirect_uris=client.redirect_uris,
        token_endpoint_auth_method="client_secret_basic",
        id_token_signed_response_alg="RS256",
    )


@pytest.fixture
def rp(qsm, registration):
    client = OpenIDClient(client_authn_method=CLIENT_AUTHN_METHOD, settings=OicClientSettings(timeout=10))
    client.provider_config(qsm.base_url)
    client.store_registration_info(registration)
    client.redirect_uris = registration["redirect_uris"]
    return client


@pytest.fixture
def rp_extension(qsm, rp, registration):
    """pyoidc's OAuth 2.0 extension client, for revocation and introspection, configured alike."""
    client = OAuth2ExtensionClient(client_authn_method=CLIENT_AUTHN_METHOD, settings=OauthClientSettings(timeout=10))
    client.provider_config(qsm.base_url)
    client.store_registration_info(registration)
    return client


def authorization_request(rp, scope=SCOPE):
    """The RP builds the authorization request: (request, state, nonce, code_verifier)."""
    state, nonce = rndstr(16), rndstr(16)
    pkce_args, code_verifier = rp.add_code_challenge()
    request = rp.construct_AuthorizationRequest(
        request_args={
            "client_id": rp.client_id,
            "response_type": "code",
            "scope": scope,
            "redirect_uri": rp.redirect_uris[0],
            "state": state,
            "nonce": nonce,
            **pkce_args,
        }
    )
    return request, state, nonce, code_verifier


def push(rp, request):
    """RFC 9126, where pyoidc has no call for it: the request pyoidc built goes to the endpoint it
    discovered, authenticated by its client_secret_basic; the browser gets client_id and the request_uri."""
    endpoint = rp.provider_info["pushed_authorization_request_endpoint"]
    http_args = CLIENT_AUTHN_METHOD["client_secret_basic"](rp).construct(request)
    response = requests.post(
        endpoint,
        data=request.to_urlencoded(),
        headers={**http_args["headers"], "Content-Type": "application/x-www-form-urlencoded"},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    pushed = response.json()
    assert pushed["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert 0 < pushed["expires_in"] <= 60
    return Message(client_id=rp.client_id, request_uri=pushed["request_uri"]).request(rp.authorization_endpoint)


def sign_in(rp, agent, scope=SCOPE):
    """The RP builds and pushes the authorization request; the seller logs in and allows it; the RP
    parses the callback."""
    request, state, nonce, code_verifier = authorization_request(rp, scope)
    url = push(rp, request)
    assert set(parse_qs(urlsplit(url).query)) == {"client_id", "request_uri"}
    callback = agent.authorize(url)
    assert callback.split("?")[0] == rp.redirect_uris[0]
    response = rp.parse_response(AuthorizationResponse, info=urlsplit(callback).query, sformat="urlencoded")
    assert isinstance(response, AuthorizationResponse), response
    assert response["state"] == state
    return response, state, nonce, code_verifier


def test_pyoidc_discovers_signs_in_refreshes_revokes_and_introspects(qsm, rp, rp_extension, seller, seller_agent):
    assert rp.provider_info["issuer"] == qsm.base_url
    assert rp.keyjar.get_signing_key("RSA", owner=qsm.base_url), "no RSA keys loaded from jwks_uri"

    started = int(time.time())
    authorization, state, nonce, code_verifier = sign_in(rp, seller_agent(seller))
    assert authorization["iss"] == qsm.base_url  # RFC 9207: pyoidc compares it only when present

    tokens = rp.do_access_token_request(
        state=state,
        request_args={"code": authorization["code"], "code_verifier": code_verifier},
        authn_method="client_secret_basic",
    )
    assert isinstance(tokens, AccessTokenResponse), tokens
    id_token = tokens["id_token"]  # verified by pyoidc: signature, iss, aud, exp, iat, nonce
    assert id_token["sub"] == seller.sub
    assert id_token["nonce"] == nonce
    assert id_token["iss"] == qsm.base_url
    assert rp.client_id in id_token["aud"]
    assert started - 1 <= id_token["auth_time"] <= int(time.time()) + 1
    assert id_token.jws_header["alg"] == "RS256"
    assert id_token["at_hash"] == left_hash(tokens["access_token"], "HS256")  # SHA-256 for RS256

    # GET with the token in the Authorization header, as OIDC Core 5.3.1 recommends. pyoidc's
    # default is POST with the token in the form body (RFC 6750 2.2, optional for servers),
    # which QSM does not accept.
    userinfo = rp.do_user_info_request(method="GET", state=state)
    assert isinstance(userinfo, OpenIDSchema), userinfo.to_dict()
    assert userinfo["sub"] == seller.sub
    assert userinfo["email"] == seller.email
    assert userinfo["name"] == "Park Ji-woo"
    assert userinfo["address"]["country"] == "SG"
    assert "phone_number" not in userinfo  # phone was not asked for

    first_refresh_token = tokens["refresh_token"]
    refreshed = rp.do_access_token_refresh(state=state, authn_method="client_secret_basic")
    assert isinstance(refreshed, AccessTokenResponse), refreshed
    assert refreshed["refresh_token"] != first_refresh_token
    assert refreshed["access_token"] != tokens["access_token"]

    def introspect(token, hint):
        answer = rp_extension.do_token_introspection(
            request_args={"token": token, "token_type_hint": hint}, authn_method="client_secret_basic"
        )
        assert isinstance(answer, TokenIntrospectionResponse), answer
        return answer

    about = introspect(refreshed["access_token"], "access_token")
    assert about["active"] is True
    assert about["client_id"] == rp.client_id
    assert about["sub"] == seller.sub
    assert introspect(first_refresh_token, "refresh_token")["active"] is False  # rotated

    assert rp_extension.do_token_revocation(
        request_args={"token": refreshed["refresh_token"], "token_type_hint": "refresh_token"},
        authn_method="client_secret_basic",
    ) == 200
    assert introspect(refreshed["refresh_token"], "refresh_token")["active"] is False
    assert introspect(refreshed["access_token"], "access_token")["active"] is False


def test_qsm_refuses_the_same_request_sent_plainly(rp, seller, seller_agent):
    """The RP is registered as requiring PAR: its request through the browser is sent back refused,
    before any login, and pyoidc reads the refusal."""
    request, state, _, _ = authorization_request(rp)
    agent = seller_agent(seller)
    callback = agent.authorize(request.request(rp.authorization_endpoint))
    assert callback.split("?")[0] == rp.redirect_uris[0]
    assert agent.pages == []
    response = rp.parse_response(AuthorizationResponse, info=urlsplit(callback).query, sformat="urlencoded")
    assert isinstance(response, ErrorResponse), response
    assert response["error"] == "invalid_request" and response["state"] == state
    assert "code" not in response


def swap_nonce(rp, state):
    rp.state2nonce[state] = "not-the-nonce-we-sent"


def swap_signing_keys(rp, state):
    """Give the RP a different RSA key under QSM's key ids, as if the JWKS had been forged."""
    issuer = rp.provider_info["issuer"]
    kids = [key.kid for bundle in rp.keyjar.issuer_keys[issuer] for key in bundle.keys() if key.kty == "RSA"]
    forged = [
        RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}).as_dict(private=False)
        for kid in kids
    ]
    rp.keyjar.issuer_keys[issuer] = [KeyBundle(keys=forged)]


@pytest.mark.parametrize(
    "tamper, error",
    [(swap_nonce, ParameterError), (swap_signing_keys, BadSignature)],
    ids=["nonce-mismatch", "forged-keys"],
)
def test_pyoidc_refuses_an_id_token_it_cannot_trust(rp, seller, seller_agent, tamper, error):
    """The RP's own checks run on QSM's real tokens: a passing flow above means they passed."""
    authorization, state, _, code_verifier = sign_in(rp, seller_agent(seller), scope=["openid"])
    tamper(rp, state)
    with pytest.raises(error):
        rp.do_access_token_request(
            state=state,
            request_args={"code": authorization["code"], "code_verifier": code_verifier},
            authn_method="client_secret_basic",
        )
