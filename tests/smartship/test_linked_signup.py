"""SmartShip's linked sign-up, against every answer QSM can give."""
import pytest

from clients.smartship.extensions import db
from clients.smartship.models import Account, ImportedOrder, PendingSignup
from tests.support.pages import csrf_token

from .conftest import PLATFORM


def accounts():
    return db.session.execute(db.select(Account)).scalars().all()


def test_start_sends_the_browser_to_qsm_with_pkce_state_and_nonce(signup):
    params = signup.start()
    assert params["response_type"] == "code"
    assert params["client_id"] == "smartship"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["state"] and params["nonce"]
    assert set(params["scope"].split()) == {
        "openid",
        "email",
        "profile",
        "address",
        "phone",
        "offline_access",
        "qsm.orders.read",
        "qsm.inventory",
    }
    assert params["redirect_uri"] == "http://smartship.test/auth/callback/qoo10-sg"


def test_signup_page_shows_what_came_from_qsm(signup):
    page = signup.signup_page()
    html = page.get_data(as_text=True)
    for value in ("seller@example.com", "Tan Wei Ling", "Lion City Gadgets", "+65 6123 4567", "10 Anson Road"):
        assert value in html
    assert "Create a new account" in html and "Agree to all" in html and ">Done<" in html


def test_done_creates_the_account_links_it_and_runs_the_service_setup(signup, fake_qsm):
    response = signup.done(agree=("terms", "privacy", "qsm_data", "marketing"))
    assert response.status_code == 302 and response.location.endswith("/orders")
    [account] = accounts()
    assert account.login_id == "seller@example.com" and account.email_confirmed_at is not None
    assert account.password_hash is None and account.marketing_opt_in
    assert (
        account.name == "Tan Wei Ling"
        and account.phone == "+65 6123 4567"
        and account.address["postal_code"] == "079903"
    )
    [link] = account.links
    assert (link.platform, link.sub, link.seller_id) == (PLATFORM, "sub-seller-1", "QS12345678")
    # tokens are kept encrypted, never in plaintext
    assert "rt-1" not in link.refresh_token_encrypted and "at-1" not in link.access_token_encrypted
    assert fake_qsm.link_reports == [{"smartship_login_id": "seller@example.com", "fulfillment_status": "not_applied"}]
    assert {o.order_no for o in db.session.execute(db.select(ImportedOrder)).scalars()} == {"QS1-0", "QS1-1", "QS1-2"}
    orders_page = signup.client.get("/orders").get_data(as_text=True)
    assert "QS1-0" in orders_page and "Sync now" in orders_page
    assert db.session.execute(db.select(PendingSignup)).first() is None


def test_unverified_email_does_not_count_as_verified(signup, fake_qsm):
    fake_qsm.claims["email_verified"] = False
    signup.done()
    [account] = accounts()
    assert account.email_confirmed_at is None


@pytest.mark.parametrize("missing", ["terms", "privacy", "qsm_data"])
def test_done_is_refused_without_every_required_agreement(signup, missing):
    agreed = {"terms", "privacy", "qsm_data"} - {missing}
    response = signup.done(agree=agreed)
    assert response.status_code == 400
    assert accounts() == []


def test_the_account_page_says_no_password_is_set(signup):
    signup.done()
    html = signup.client.get("/account").get_data(as_text=True)
    assert "No password is set" in html and "password reset" in html


def test_an_already_linked_seller_is_signed_in_and_never_gets_a_second_account(signup, smartship):
    signup.done()
    smartship.post("/logout", data={"csrf_token": "x"})  # no valid CSRF: still logged in, harmless
    response = signup.callback()
    assert response.status_code == 302 and response.location.endswith("/orders")
    assert len(accounts()) == 1
    assert smartship.get("/orders").status_code == 200


def test_two_done_submissions_for_one_seller_make_one_account(signup, smartship, fake_qsm):
    page = signup.signup_page()
    first = signup.done(page=page)
    assert first.status_code == 302
    # a second window still holding the same page
    again = signup.done(page=page)
    assert again.status_code in (302, 400)
    assert len(accounts()) == 1


def test_when_the_email_is_another_accounts_login_id_the_seller_chooses_another(signup, smartship_app):
    db.session.add(Account(login_id="seller@example.com", email="someone-else@example.com"))
    db.session.commit()
    page = signup.signup_page()
    assert "Please choose another login ID" in page.get_data(as_text=True)
    refused = signup.done(page=page, login_id="seller@example.com")
    assert refused.status_code == 409
    accepted = signup.done(page=signup.client.get("/linked-signup"), login_id="lion-city")
    assert accepted.status_code == 302
    assert db.session.execute(db.select(Account).filter_by(login_id="lion-city")).scalar_one().links


@pytest.mark.parametrize(
    "break_it, status, message",
    [
        (lambda f: setattr(f, "token_error", "invalid_grant"), 400, "QSM refused"),
        (lambda f: setattr(f, "token_timeout", True), 502, "cannot be reached"),
        (lambda f: setattr(f, "sign_with_other_key", True), 400, "could not be validated"),
        (lambda f: f.id_token_overrides.update(nonce="not-the-nonce"), 400, "could not be validated"),
        (lambda f: f.id_token_overrides.update(iss="http://evil.test"), 400, "could not be validated"),
        (lambda f: f.id_token_overrides.update(aud="someone-else"), 400, "could not be validated"),
        (lambda f: f.id_token_overrides.update(exp=1000), 400, "could not be validated"),
        (lambda f: setattr(f, "revoked", True), 400, "refused to share"),
    ],
    ids=[
        "token-error",
        "timeout",
        "bad-signature",
        "wrong-nonce",
        "wrong-issuer",
        "wrong-audience",
        "expired",
        "userinfo-401",
    ],
)
def test_every_bad_answer_from_qsm_is_a_clear_page_and_no_account(signup, fake_qsm, break_it, status, message):
    params = signup.start()
    break_it(fake_qsm)
    response = signup.callback(params)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html and "Start over" in html and "Traceback" not in html
    assert accounts() == [] and db.session.execute(db.select(PendingSignup)).first() is None


def test_denied_at_qsm_is_a_clear_page(signup):
    params = signup.start()
    response = signup.callback(params, code=None, error="access_denied")
    assert response.status_code == 400 and "not granted" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "iss, message",
    [(None, "did not say who sent it"), ("http://other-qsm.test", "unexpected issuer"), ("", "unexpected issuer")],
    ids=["missing", "another-issuer", "empty"],
)
@pytest.mark.parametrize("answer", [{}, {"code": None, "error": "access_denied"}], ids=["code", "error"])
def test_a_response_without_qsms_iss_is_refused_before_the_code_is_spent(signup, fake_qsm, iss, message, answer):
    # QSM's discovery promises iss (RFC 9207 2.4): a response without it, or naming another
    # issuer, may be a mix-up, and is refused before anything else, error responses too.
    response = signup.callback(iss=iss, **answer)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Start over" in html and "No SmartShip account was created or changed." in html
    assert fake_qsm.issued == 0, "the code was sent to the token endpoint"
    assert accounts() == [] and db.session.execute(db.select(PendingSignup)).first() is None
    assert signup.client.get("/linked-signup").status_code == 400


def test_a_response_without_iss_is_accepted_from_a_qsm_that_does_not_promise_it(signup, fake_qsm):
    fake_qsm.promises_iss = False
    response = signup.callback(iss=None)
    assert response.status_code == 302 and response.location.endswith("/linked-signup")
    assert signup.callback(iss="http://other-qsm.test").status_code == 400


def test_a_forged_or_replayed_state_is_refused(signup):
    signup.start()
    response = signup.callback({"state": "forged"})
    assert response.status_code == 400 and "Start over" in response.get_data(as_text=True)


def test_qsm_down_at_start_is_a_clear_page(signup, fake_qsm):
    fake_qsm.discovery_down = True
    response = signup.client.get("/linked-signup/start")
    assert response.status_code == 502 and "cannot be reached" in response.get_data(as_text=True)


def test_qsm_failing_during_setup_keeps_account_and_link_and_sync_retries(signup, fake_qsm, smartship):
    fake_qsm.api_status = 503
    response = signup.done()
    assert response.status_code == 302
    [account] = accounts()
    assert account.links and account.links[0].inventory_reported_status is None
    fake_qsm.api_status = None
    page = smartship.get("/orders")
    synced = smartship.post("/orders/sync", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert synced.status_code == 302, synced.get_data(as_text=True)
    assert synced.status_code == 302
    assert fake_qsm.link_reports[-1]["smartship_login_id"] == "seller@example.com"
    assert db.session.execute(db.select(ImportedOrder)).first() is not None


def test_an_expired_pending_signup_asks_to_start_over(signup, smartship):
    response = smartship.get("/linked-signup")
    assert response.status_code == 400 and "Start over" in response.get_data(as_text=True)


def test_unknown_platform_callback_is_refused(smartship, fake_qsm):
    response = smartship.get("/auth/callback/nowhere?code=x&state=y")
    assert response.status_code == 400
