"""SmartShip against a fake QSM served by `responses`: every answer QSM could give, on demand."""
import json
import time
from urllib.parse import parse_qs

import pytest
import requests
import responses
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from clients.smartship import create_app
from clients.smartship.extensions import db as smartship_db
from tests.conftest import FreshGlobalsClient, csrf_token, query_of
from tests.support.database import empty_tables

ISSUER = "http://qsm.test"
CLIENT_ID = "smartship"
PLATFORM = "qoo10-sg"


class FakeQSM:
    def __init__(self, mock, issuer=ISSUER):
        self.mock = mock
        self.issuer = issuer
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"}, private=True)
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"}, private=True)
        self.claims = {
            "sub": "sub-seller-1",
            "email": "seller@example.com",
            "email_verified": True,
            "name": "Tan Wei Ling",
            "shop_name": "Lion City Gadgets",
            "seller_id": "QS12345678",
            "phone_number": "+65 6123 4567",
            "address": {
                "street_address": "10 Anson Road",
                "locality": "Singapore",
                "postal_code": "079903",
                "country": "SG",
                "formatted": "10 Anson Road\nSingapore 079903\nSG",
            },
        }
        self.orders = [
            {
                "order_no": f"QS1-{i}",
                "buyer_name": "Ben K.",
                "item_name": "Cable",
                "quantity": 1,
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
        self.refresh_tokens = set()
        self.revoked = False
        self.link_reports = []
        # Failure switches
        self.token_error = None
        self.id_token_overrides = {}
        self.sign_with_other_key = False
        self.token_timeout = False
        self.discovery_down = False
        # QSM's discovery promises RFC 9207's iss in every authorization response.
        self.promises_iss = True
        self.api_status = None
        self._register()

    # -- the endpoints -------------------------------------------------------------
    def _register(self):
        m = self.mock
        m.add_callback(responses.GET, f"{self.issuer}/.well-known/openid-configuration", callback=self._discovery)
        m.add_callback(
            responses.GET,
            f"{self.issuer}/oauth/jwks",
            callback=lambda r: (200, {}, json.dumps(KeySet([self.key]).as_dict(private=False))),
        )
        m.add_callback(responses.POST, f"{self.issuer}/oauth/token", callback=self._token)
        m.add_callback(responses.GET, f"{self.issuer}/oauth/userinfo", callback=self._userinfo)
        m.add_callback(responses.GET, f"{self.issuer}/api/v1/orders", callback=self._orders)
        m.add_callback(responses.PUT, f"{self.issuer}/api/v1/smart-inventory/link", callback=self._link)

    def _discovery(self, request):
        if self.discovery_down:
            raise requests.ConnectionError("QSM is down")
        return 200, {}, json.dumps({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/oauth/authorize",
            "token_endpoint": f"{self.issuer}/oauth/token",
            "userinfo_endpoint": f"{self.issuer}/oauth/userinfo",
            "jwks_uri": f"{self.issuer}/oauth/jwks",
            "end_session_endpoint": f"{self.issuer}/oauth/logout",
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": self.promises_iss,
        })

    def _bearer_ok(self, request):
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer at-") and not self.revoked

    def _token(self, request):
        if self.token_timeout:
            raise requests.Timeout("QSM did not answer")
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        if self.token_error:
            return 400, {}, json.dumps({"error": self.token_error})
        if form.get("grant_type") == "refresh_token":
            if self.revoked or form.get("refresh_token") not in self.refresh_tokens:
                return 400, {}, json.dumps({"error": "invalid_grant"})
            self.refresh_tokens.discard(form["refresh_token"])
            return 200, {}, json.dumps(self._new_tokens(with_id_token=False))
        return 200, {}, json.dumps(self._new_tokens(with_id_token=True))

    def _new_tokens(self, with_id_token):
        self.issued += 1
        body = {
            "access_token": f"at-{self.issued}",
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": f"rt-{self.issued}",
            "scope": "openid email profile address phone offline_access qsm.orders.read qsm.inventory",
        }
        self.refresh_tokens.add(body["refresh_token"])
        if with_id_token:
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "sub": self.claims["sub"],
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 600,
                "auth_time": now,
                "nonce": self.nonce,
                "email": self.claims["email"],
                "email_verified": self.claims["email_verified"],
                "sid": self.sid,
            }
            claims.update(self.id_token_overrides)
            key = self.other_key if self.sign_with_other_key else self.key
            body["id_token"] = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return body

    def logout_token(self, key=None, header=None, **overrides):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 120,
            "jti": f"jti-{now}-{self.issued}-{len(overrides)}-{id(overrides)}",
            "sub": self.claims["sub"],
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(header or {"alg": "RS256", "kid": "k1", "typ": "logout+jwt"}, claims, key or self.key)

    def _userinfo(self, request):
        if not self._bearer_ok(request):
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, json.dumps({"error": "invalid_token"})
        return 200, {}, json.dumps(self.claims)

    def _orders(self, request):
        if self.api_status:
            return self.api_status, {}, json.dumps({"error": "server_error"})
        if not self._bearer_ok(request):
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, json.dumps({"error": "invalid_token"})
        return (
            200,
            {},
            json.dumps(
                {"orders": self.orders, "page": 1, "per_page": 100, "total": len(self.orders), "has_more": False}
            ),
        )

    def _link(self, request):
        if self.api_status:
            return self.api_status, {}, json.dumps({"error": "server_error"})
        if not self._bearer_ok(request):
            return 401, {}, json.dumps({"error": "invalid_token"})
        body = json.loads(request.body)
        self.link_reports.append(body)
        return 200, {}, json.dumps({"linked": True, "link": body})


@pytest.fixture
def fake_qsm():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeQSM(mock)


@pytest.fixture
def smartship_app(tmp_path):
    app = create_app("testing", test_config={"MAIL_OUTBOX": str(tmp_path / "outbox")})
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        with empty_tables(smartship_db):
            yield app
        smartship_db.engine.dispose()
    from clients.smartship.extensions import limiter

    limiter.reset()


@pytest.fixture
def smartship(smartship_app):
    return smartship_app.test_client()


class SignupDriver:
    """Walks SmartShip's side of the linked sign-up with the test client."""

    def __init__(self, client, fake):
        self.client = client
        self.fake = fake

    def start(self):
        response = self.client.get("/linked-signup/start")
        assert response.status_code == 302, response.get_data(as_text=True)
        params = query_of(response.location)
        assert response.location.startswith(f"{ISSUER}/oauth/authorize?")
        self.fake.nonce = params["nonce"]
        return params

    def callback(self, params=None, **overrides):
        params = params or self.start()
        query = {"code": "code-1", "state": params["state"], "iss": ISSUER}
        query.update(overrides)
        return self.client.get(
            f"/auth/callback/{PLATFORM}", query_string={k: v for k, v in query.items() if v is not None}
        )

    def signup_page(self):
        response = self.callback()
        assert response.status_code == 302 and response.location.endswith("/linked-signup"), response.get_data(
            as_text=True
        )
        return self.client.get("/linked-signup")

    def done(self, page=None, agree=("terms", "privacy", "qsm_data"), **extra):
        page = page or self.signup_page()
        data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "registration_type": "new"}
        for item in agree:
            data[f"agree_{item}"] = "y"
        data.update(extra)
        return self.client.post("/linked-signup", data=data)


@pytest.fixture
def signup(smartship, fake_qsm):
    return SignupDriver(smartship, fake_qsm)


@pytest.fixture
def make_account(smartship_app):
    from clients.smartship.accounts import create_account, mark_primary

    def make(login_id, email, password="Tr1cky-Passphrase", confirmed=True, primary=False, created_at=None):
        account = create_account(login_id, email, password, email_confirmed=confirmed)
        if created_at is not None:
            account.created_at = created_at
        if primary:
            mark_primary(account)
        smartship_db.session.commit()
        return account

    return make


class Outbox:
    def __init__(self, path):
        self.path = path

    def messages(self):
        import email

        if not self.path.exists():
            return []
        files = sorted(self.path.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(p.read_bytes()) for p in files]

    def last_link(self, to=None):
        import re

        for message in reversed(self.messages()):
            if to is None or message["To"] == to:
                body = message.get_payload(decode=True).decode()
                return re.search(r"http://smartship\.test(/\S+)", body).group(1)
        raise AssertionError(f"no mail to {to}")


@pytest.fixture
def outbox(smartship_app):
    from pathlib import Path

    return Outbox(Path(smartship_app.config["MAIL_OUTBOX"]))
