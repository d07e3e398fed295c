"""SmartShip against a fake QSM served by `responses` (tests/support/fake_qsm.py, with the Smart
Inventory link endpoint only SmartShip uses): every answer QSM could give, on demand."""
import json
from pathlib import Path

import pytest
import responses

from clients.smartship import create_app
from clients.smartship.extensions import db as smartship_db, limiter
from tests.support.apps import app_under_test
from tests.support.fake_qsm import FakeQSM as SharedFakeQSM
from tests.support.mail import Outbox
from tests.support.pages import csrf_token, query_of
from tests.support.relying_party import CallbackDriver

ISSUER = "http://qsm.test"
CLIENT_ID = "smartship"
PLATFORM = "qoo10-sg"


class FakeQSM(SharedFakeQSM):
    """QSM as SmartShip meets it: any issuer (one per platform), refresh tokens, and the Smart
    Inventory link endpoint."""

    CLIENT_ID = CLIENT_ID
    SCOPE = "openid email profile address phone offline_access qsm.orders.read qsm.inventory"
    ISSUES_REFRESH_TOKENS = True
    ID_TOKEN_SELLER_CLAIMS = ("email", "email_verified")

    def __init__(self, mock, issuer=ISSUER):
        self.link_reports = []
        claims = {
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
        orders = [
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
        super().__init__(mock, issuer, claims, orders)

    # SmartShip's tests call the unpublished key "other".
    other_key = property(lambda self: self.impostor_key)
    sign_with_other_key = property(
        lambda self: self.sign_with_impostor_key, lambda self, on: setattr(self, "sign_with_impostor_key", on)
    )

    def _register(self):
        super()._register()
        self.mock.add_callback(responses.PUT, f"{self.issuer}/api/v1/smart-inventory/link", callback=self._link)

    def _link(self, request):
        if self.api_status:
            return self.api_status, {}, json.dumps({"error": "server_error"})
        if not self.bearer(request):
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
    with app_under_test(app, smartship_db):
        yield app
    limiter.reset()


@pytest.fixture
def smartship(smartship_app):
    return smartship_app.test_client()


class SignupDriver(CallbackDriver):
    """Walks SmartShip's side of the linked sign-up with the test client."""

    CALLBACK_PATH = f"/auth/callback/{PLATFORM}"

    def start(self):
        response = self.client.get("/linked-signup/start")
        assert response.status_code == 302, response.get_data(as_text=True)
        params = query_of(response.location)
        assert response.location.startswith(f"{ISSUER}/oauth/authorize?")
        self.fake.nonce = params["nonce"]
        return params

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


@pytest.fixture
def outbox(smartship_app):
    return Outbox(Path(smartship_app.config["MAIL_OUTBOX"]), r"http://smartship\.test(/\S+)")


@pytest.fixture
def policy_request(smartship_app):
    """A request from one address, for calling the policy modules directly; the throttle allows
    one failed attempt per account (and the usual 20 per address)."""
    smartship_app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1 per 15 minutes"
    with smartship_app.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.10"}):
        yield


@pytest.fixture
def bcrypt_checks(monkeypatch):
    """The bcrypt checks made (websafety.passwords, as accounts calls them): ("real"|"burnt", password)."""
    from clients.smartship import accounts

    made = []
    real_check, burn = accounts.check_password, accounts.burn_password_check

    def check(password, password_hash):
        made.append(("real", password))
        return real_check(password, password_hash)

    def burn_check(password, rounds):
        made.append(("burnt", password))
        return burn(password, rounds)

    monkeypatch.setattr(accounts, "check_password", check)
    monkeypatch.setattr(accounts, "burn_password_check", burn_check)
    return made
