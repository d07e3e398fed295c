"""Parcel Pal against a fake QSM served by `responses` (tests/support/fake_qsm.py, with the PAR and
revocation endpoints only Parcel Pal uses): every answer QSM could give, on demand."""
import json

import pytest
import responses

from clients.demo_app import create_demo_app
from clients.demo_app.extensions import db as demo_db
from tests.support.apps import app_under_test
from tests.support.fake_qsm import (  # noqa: F401 (LOGOUT_EVENT and signing_key: for the tests)
    LOGOUT_EVENT,
    FakeQSM as SharedFakeQSM,
    basic_credentials,
    form_of,
    signing_key,
)
from tests.support.pages import csrf_token, query_of
from tests.support.relying_party import CallbackDriver

ISSUER = "http://qsm.test"
CLIENT_ID = "parcel-pal"
CLIENT_SECRET = "parcel-pal-test-secret"
BASE_URL = "http://parcelpal.test"
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"


class FakeQSM(SharedFakeQSM):
    """QSM as Parcel Pal meets it: one issuer, and its PAR and revocation endpoints too."""

    CLIENT_ID = CLIENT_ID
    SCOPE = "openid profile qsm.orders.read"

    def __init__(self, mock):
        self.pushes = []  # every push QSM received: {"form", "authorization", "timeout", "request_uri"}
        self.push_failure = None  # an exception to raise, or (status, body) to answer, at the PAR endpoint
        self.advertise_par = True
        claims = {
            "sub": "sub-seller-1",
            "name": "Tan Wei Ling",
            "shop_name": "Lion City Gadgets",
            "seller_id": "QS12345678",
        }
        orders = [
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
        super().__init__(mock, ISSUER, claims, orders)

    # Parcel Pal's tests call the API failure switch after what it breaks.
    orders_status = property(
        lambda self: self.api_status, lambda self, status: setattr(self, "api_status", status)
    )

    def _register(self):
        super()._register()
        self.mock.add_callback(responses.POST, f"{ISSUER}/oauth/par", callback=self._par)
        self.mock.add_callback(responses.POST, f"{ISSUER}/oauth/revoke", callback=self._revoke)

    def discovery(self):
        document = {**super().discovery(), "revocation_endpoint": f"{ISSUER}/oauth/revoke"}
        if self.advertise_par:
            document["pushed_authorization_request_endpoint"] = f"{ISSUER}/oauth/par"
        return document

    basic_credentials = staticmethod(basic_credentials)

    def _par(self, request):
        """RFC 9126: the client authenticates, and gets a single reference to what it pushed."""
        self._check_up()
        push = {
            "form": form_of(request),
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

    def _revoke(self, request):
        self._check_up()
        self.revoked_tokens.add(form_of(request)["token"])
        return 200, {}, ""

    def revoke_all(self):
        """The seller revoked Parcel Pal at QSM: every token it holds stops working."""
        self.revoked_tokens.update(f"at-{n}" for n in range(1, self.issued + 1))


@pytest.fixture
def fake_qsm():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeQSM(mock)


@pytest.fixture
def demo_app():
    with app_under_test(create_demo_app("testing"), demo_db) as app:
        yield app


@pytest.fixture
def browser(demo_app):
    """One seller's browser at Parcel Pal."""
    return demo_app.test_client()


class LoginDriver(CallbackDriver):
    """Walks Parcel Pal's side of Log in with QSM; QSM's own pages are the fake's answers."""

    def __init__(self, client, fake):
        super().__init__(client, fake)
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
