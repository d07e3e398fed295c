"""A fake QSM served by `responses`, for the relying-party suites (tests/smartship, tests/demo_app):
its discovery document, JWKS, token endpoint (code and refresh grants), UserInfo, seller orders
API and back-channel logout tokens, with a switch for every way a test needs it to fail.

Each suite subclasses it for what only its site uses (Parcel Pal: PAR and revocation; SmartShip:
the Smart Inventory link) and sets CLIENT_ID, SCOPE and the seller's claims.
"""
import base64
import functools
import json
import time
from urllib.parse import parse_qs, unquote_plus

import requests
import responses
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@functools.cache
def signing_key(name, kid="k1"):
    """RSA keys are slow to make: one per name for the whole run."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True)


def form_of(request):
    return {k: v[0] for k, v in parse_qs(request.body).items()}


def basic_credentials(request):
    """(client_id, secret) from client_secret_basic (RFC 6749 2.3.1), or None."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
    return unquote_plus(user), unquote_plus(password)


def unauthorized():
    return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, json.dumps({"error": "invalid_token"})


class FakeQSM:
    """QSM's public endpoints at ``issuer``. Switches make it fail in each way a test needs."""

    CLIENT_ID = None
    SCOPE = "openid"
    ISSUES_REFRESH_TOKENS = False
    # Claims of the ID token taken from the seller's claims, beyond sub.
    ID_TOKEN_SELLER_CLAIMS = ()

    def __init__(self, mock, issuer, claims, orders):
        self.mock = mock
        self.issuer = issuer
        self.key = signing_key(issuer)
        self.impostor_key = signing_key("impostor")  # same kid, not published
        self.claims = claims
        self.orders = orders
        self.nonce = None
        self.sid = "qsm-session-1"
        self.issued = 0
        self.refresh_tokens = set()
        self.revoked_tokens = set()
        self.jwks_fetches = 0
        self.token_requests = []  # the form of each token request for a code
        # Failure switches
        self.down = False  # every endpoint
        self.discovery_down = False
        self.promises_iss = True  # RFC 9207's iss in every authorization response
        self.token_error = None
        self.token_timeout = False
        self.id_token_overrides = {}
        self.sign_with_impostor_key = False
        self.userinfo_sub = None
        self.revoked = False  # every access and refresh token
        self.api_status = None  # an error status for every API call
        self._register()

    def _register(self):
        m, issuer = self.mock, self.issuer
        m.add_callback(responses.GET, f"{issuer}/.well-known/openid-configuration", callback=self._discovery)
        m.add_callback(responses.GET, f"{issuer}/oauth/jwks", callback=self._jwks)
        m.add_callback(responses.POST, f"{issuer}/oauth/token", callback=self._token)
        m.add_callback(responses.GET, f"{issuer}/oauth/userinfo", callback=self._userinfo)
        m.add_callback(responses.GET, f"{issuer}/api/v1/orders", callback=self._orders)

    def _check_up(self):
        if self.down:
            raise requests.ConnectionError("QSM is down")

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/oauth/authorize",
            "token_endpoint": f"{self.issuer}/oauth/token",
            "userinfo_endpoint": f"{self.issuer}/oauth/userinfo",
            "jwks_uri": f"{self.issuer}/oauth/jwks",
            "end_session_endpoint": f"{self.issuer}/oauth/logout",
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": self.promises_iss,
        }

    def _discovery(self, request):
        self._check_up()
        if self.discovery_down:
            raise requests.ConnectionError("QSM is down")
        return 200, {}, json.dumps(self.discovery())

    def _jwks(self, request):
        self._check_up()
        self.jwks_fetches += 1
        return 200, {}, json.dumps(KeySet([self.key]).as_dict(private=False))

    def _token(self, request):
        self._check_up()
        if self.token_timeout:
            raise requests.Timeout("QSM did not answer")
        form = form_of(request)
        if self.token_error:
            return 400, {}, json.dumps({"error": self.token_error})
        if form.get("grant_type") == "refresh_token":
            if self.revoked or form.get("refresh_token") not in self.refresh_tokens:
                return 400, {}, json.dumps({"error": "invalid_grant"})
            self.refresh_tokens.discard(form["refresh_token"])
            return 200, {}, json.dumps(self._new_tokens(with_id_token=False))
        assert form["grant_type"] == "authorization_code" and form["code_verifier"], form
        self.token_requests.append(form)
        return 200, {}, json.dumps(self._new_tokens(with_id_token=True))

    def _new_tokens(self, with_id_token):
        self.issued += 1
        body = {"access_token": f"at-{self.issued}", "token_type": "Bearer", "expires_in": 3600, "scope": self.SCOPE}
        if self.ISSUES_REFRESH_TOKENS:
            body["refresh_token"] = f"rt-{self.issued}"
            self.refresh_tokens.add(body["refresh_token"])
        if with_id_token:
            body["id_token"] = self.id_token()
        return body

    def id_token(self):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": self.claims["sub"],
            "aud": self.CLIENT_ID,
            "iat": now,
            "exp": now + 600,
            "auth_time": now,
            "nonce": self.nonce,
            **{name: self.claims[name] for name in self.ID_TOKEN_SELLER_CLAIMS},
            "sid": self.sid,
        }
        claims.update(self.id_token_overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = self.impostor_key if self.sign_with_impostor_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    def bearer(self, request):
        """The request's access token, or None when QSM would not accept it."""
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        if not header.startswith("Bearer at-") or self.revoked or token in self.revoked_tokens:
            return None
        return token

    def _userinfo(self, request):
        self._check_up()
        if not self.bearer(request):
            return unauthorized()
        return 200, {}, json.dumps({**self.claims, "sub": self.userinfo_sub or self.claims["sub"]})

    def _orders(self, request):
        self._check_up()
        if self.api_status:
            return self.api_status, {}, json.dumps({"error": "server_error"})
        if not self.bearer(request):
            return unauthorized()
        per_page = int(parse_qs(request.url.partition("?")[2]).get("per_page", ["20"])[0])
        page = {"orders": self.orders, "page": 1, "per_page": per_page, "total": len(self.orders), "has_more": False}
        return 200, {}, json.dumps(page)

    def logout_token(self, key=None, header=None, **overrides):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.CLIENT_ID,
            "iat": now,
            "exp": now + 120,
            "jti": f"jti-{time.monotonic_ns()}",
            "sub": self.claims["sub"],
            "events": {LOGOUT_EVENT: {}},
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        header = header or {"alg": "RS256", "kid": key.kid if key else "k1", "typ": "logout+jwt"}
        return jwt.encode(header, claims, key or self.key)
