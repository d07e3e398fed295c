"""Parcel Pal against a fake QSM served by `responses`: every answer QSM could give, on demand."""
import base64
import functools
import json
import time
from urllib.parse import parse_qs, unquote_plus

import pytest
import requests
import responses
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from clients.demo_app import create_demo_app
from clients.demo_app.extensions import db as demo_db
from tests.conftest import FreshGlobalsClient, csrf_token, query_of
from tests.support.database import empty_tables

ISSUER = "http://qsm.test"
CLIENT_ID = "parcel-pal"
CLIENT_SECRET = "parcel-pal-test-secret"
BASE_URL = "http://parcelpal.test"
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"


@functools.cache
def signing_key(name, kid="k1"):
    """RSA keys are slow to make: one per name for the whole run."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True)


class FakeQSM:
    """QSM's public endpoints. Switches make it fail in each way a test needs."""

    def __init__(self, mock):
        self.mock = mock
        self.key = signing_key("qsm")
        self.impostor_key = signing_key("impostor")  # same kid, not published
        self.claims = {
            "sub": "sub-seller-1",
            "name": "Tan Wei Ling",
            "shop_name": "Lion City Gadgets",
            "seller_id": "QS12345678",
        }
        self.orders = [
            {
                "order_no": f"QS1-{1000 + i}",
                "buyer_name": "Ben K.",
                "item_name": "USB cable",
                "quantity": 1 + i,
                "amount": "9.90",
                "currency": "SGD",
                "status": "paid",
                "ordered_at": f"2026-11-{10 + i:02d}T10:00:00Z",
            }
            for i in range(3)
        ]
        self.nonce = None
        self.sid = "qsm-session-1"
        self.issued = 0
        self.revoked_tokens = set()
        self.jwks_fetches = 0
        self.pushes = []  # every push QSM received: {"form", "authorization", "timeout", "request_uri"}
        self.token_requests = []  # the form of each token request
        # Failure switches
        self.down = False
        self.id_token_overrides = {}
        self.sign_with_impostor_key = False
        self.userinfo_sub = None
        self.orders_status = None
        self.push_failure = None  # an exception to raise, or (status, body) to answer, at the PAR endpoint
        self.advertise_par = True
        self._register()

    def _register(self):
        m = self.mock
        m.add_callback(responses.GET, f"{ISSUER}/.well-known/openid-configuration", callback=self._discovery)
        m.add_callback(responses.GET, f"{ISSUER}/oauth/jwks", callback=self._jwks)
        m.add_callback(responses.POST, f"{ISSUER}/oauth/par", callback=self._par)
        m.add_callback(responses.POST, f"{ISSUER}/oauth/token", callback=self._token)
        m.add_callback(responses.GET, f"{ISSUER}/oauth/userinfo", callback=self._userinfo)
        m.add_callback(responses.GET, f"{ISSUER}/api/v1/orders", callback=self._orders)
        m.add_callback(responses.POST, f"{ISSUER}/oauth/revoke", callback=self._revoke)

    def _check_up(self):
        if self.down:
            raise requests.ConnectionError("QSM is down")

    def _discovery(self, request):
        self._check_up()
        par = {"pushed_authorization_request_endpoint": f"{ISSUER}/oauth/par"} if self.advertise_par else {}
        return 200, {}, json.dumps({
            **par,
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/oauth/authorize",
            "token_endpoint": f"{ISSUER}/oauth/token",
            "userinfo_endpoint": f"{ISSUER}/oauth/userinfo",
            "jwks_uri": f"{ISSUER}/oauth/jwks",
            "revocation_endpoint": f"{ISSUER}/oauth/revoke",
            "end_session_endpoint": f"{ISSUER}/oauth/logout",
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
        })

    def _jwks(self, request):
        self._check_up()
        self.jwks_fetches += 1
        return 200, {}, json.dumps(KeySet([self.key]).as_dict(private=False))

    @staticmethod
    def basic_credentials(request):
        """(client_id, secret) from client_secret_basic (RFC 6749 2.3.1), or None."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
        return unquote_plus(user), unquote_plus(password)

    def _par(self, request):
        """RFC 9126: the client authenticates, and gets a single reference to what it pushed."""
        self._check_up()
        push = {
            "form": {k: v[0] for k, v in parse_qs(request.body).items()},
            "authorization": self.basic_credentials(request),
            "timeout": request.req_kwargs.get("timeout"),
            "request_uri": None,
        }
        self.pushes.append(push)
        if isinstance(self.push_failure, Exception):
            raise self.push_failure
        if self.push_failure:
            status, body = self.push_failure
            return status, {"Content-Type": "application/json"}, json.dumps(body)
        if push["authorization"] != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"WWW-Authenticate": "Basic"}, json.dumps({"error": "invalid_client"})
        push["request_uri"] = f"{REQUEST_URI_PREFIX}pushed-{len(self.pushes)}"
        return 201, {"Cache-Control": "no-store"}, json.dumps({"request_uri": push["request_uri"], "expires_in": 60})

    def pushed(self, request_uri):
        """The authorization request QSM keeps for ``request_uri``."""
        return next(push["form"] for push in self.pushes if push["request_uri"] == request_uri)

    def _token(self, request):
        self._check_up()
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        assert form["grant_type"] == "authorization_code" and form["code_verifier"], form
        self.token_requests.append(form)
        self.issued += 1
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": self.claims["sub"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 600,
            "auth_time": now,
            "nonce": self.nonce,
            "sid": self.sid,
        }
        claims.update(self.id_token_overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = self.impostor_key if self.sign_with_impostor_key else self.key
        return 200, {}, json.dumps({
            "access_token": f"at-{self.issued}",
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "openid profile qsm.orders.read",
            "id_token": jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key),
        })

    def _bearer(self, request):
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        return token if header.startswith("Bearer at-") and token not in self.revoked_tokens else None

    def _userinfo(self, request):
        self._check_up()
        if not self._bearer(request):
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, json.dumps({"error": "invalid_token"})
        return 200, {}, json.dumps({**self.claims, "sub": self.userinfo_sub or self.claims["sub"]})

    def _orders(self, request):
        self._check_up()
        if self.orders_status:
            return self.orders_status, {}, json.dumps({"error": "server_error"})
        if not self._bearer(request):
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, json.dumps({"error": "invalid_token"})
        return (
            200,
            {},
            json.dumps(
                {"orders": self.orders, "page": 1, "per_page": 20, "total": len(self.orders), "has_more": False}
            ),
        )

    def _revoke(self, request):
        self._check_up()
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        self.revoked_tokens.add(form["token"])
        return 200, {}, ""

    def revoke_all(self):
        """The seller revoked Parcel Pal at QSM: every token it holds stops working."""
        self.revoked_tokens.update(f"at-{n}" for n in range(1, self.issued + 1))

    def logout_token(self, key=None, **overrides):
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 120,
            "jti": f"jti-{time.monotonic_ns()}",
            "sub": self.claims["sub"],
            "events": {LOGOUT_EVENT: {}},
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(
            {"alg": "RS256", "kid": key.kid if key else "k1", "typ": "logout+jwt"}, claims, key or self.key
        )


@pytest.fixture
def fake_qsm():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeQSM(mock)


@pytest.fixture
def demo_app():
    app = create_demo_app("testing")
    app.test_client_class = FreshGlobalsClient
    with app.app_context(), empty_tables(demo_db):
        yield app


@pytest.fixture
def browser(demo_app):
    """One seller's browser at Parcel Pal."""
    return demo_app.test_client()


class LoginDriver:
    """Walks Parcel Pal's side of Log in with QSM; QSM's own pages are the fake's answers."""

    def __init__(self, client, fake):
        self.client = client
        self.fake = fake
        self.redirect = None  # the query of the last redirect to QSM's authorization endpoint

    def start(self):
        """Log in with QSM: the authorization request Parcel Pal pushed (the browser carries only its reference)."""
        home = self.client.get("/", follow_redirects=True)
        response = self.client.post("/login", data={"csrf_token": csrf_token(home.get_data(as_text=True))})
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.location.startswith(f"{ISSUER}/oauth/authorize?")
        self.redirect = query_of(response.location)
        params = self.fake.pushed(self.redirect["request_uri"])
        self.fake.nonce = params["nonce"]
        return params

    def callback(self, params=None, **overrides):
        params = params or self.start()
        query = {"code": "code-1", "state": params["state"], "iss": ISSUER}
        query.update(overrides)
        return self.client.get("/callback", query_string={k: v for k, v in query.items() if v is not None})

    def log_in(self):
        response = self.callback()
        assert response.status_code == 302 and response.location == "/orders", response.get_data(as_text=True)
        return response

    def log_out(self):
        page = self.client.get("/orders")
        return self.client.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


@pytest.fixture
def login(browser, fake_qsm):
    return LoginDriver(browser, fake_qsm)
