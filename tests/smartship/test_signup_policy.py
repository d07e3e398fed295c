"""signup_policy called directly: what the linked sign-up page's Done and Password Reset answer,
which attempts count against which account, and what a failure is told."""
import pytest

from clients.smartship import throttle
from clients.smartship.accounts import create_account
from clients.smartship.extensions import db
from clients.smartship.linking import hold_pending_signup, linkable_accounts, load_pending_signup
from clients.smartship.models import PendingSignup, QsmLink
from clients.smartship.refusals import Refused
from clients.smartship.signup_policy import (
    ChooseAnotherLoginId,
    Expired,
    Linked,
    ResetSent,
    SignInThroughLink,
    asks_for_login_id,
    create_new,
    link_existing,
    remember_reset_for_linking,
    resume_linking_after_reset,
    send_reset,
)

PLATFORM = "qoo10-sg"
PASSWORD = "Tr1cky-Passphrase"
AGREED = {"terms", "privacy", "qsm_data"}
CLAIMS = {"sub": "sub-seller-1", "email": "seller@example.com", "email_verified": True, "name": "Tan Wei Ling"}
TOKEN = {"access_token": "access", "refresh_token": "refresh", "expires_in": 3600, "id_token": "id-token"}
GENERIC = Refused("The login ID or password is not correct.", 400)
NO_PASSWORD_YET = Refused(
    "This SmartShip account has no password yet. Use Password Reset to set one, then finish linking.", 400
)
SHARED_EMAIL = Refused(
    "Several SmartShip accounts use this email address. Please enter the login ID instead.", 400
)


@pytest.fixture
def new_pending(policy_request):
    """A pending sign-up of the seller in CLAIMS, as QSM's callback leaves it."""
    return lambda: load_pending_signup(hold_pending_signup(PLATFORM, TOKEN, CLAIMS))


@pytest.fixture
def pending(new_pending):
    return new_pending()


def links():
    return db.session.execute(db.select(QsmLink)).scalars().all()


def link(pending, choice="other", typed_login="", password=PASSWORD, agreed=AGREED):
    return link_existing(
        pending,
        linkable_accounts(pending),
        choice=choice,
        typed_login=typed_login,
        password=password,
        agreed=agreed,
    )


def passwordless_account(login_id, email):
    return create_account(login_id, email, password=None, email_confirmed=True)


@pytest.mark.parametrize("chosen", [{"choice": "lion-city"}, {"typed_login": "LION-CITY"}], ids=["listed", "typed"])
def test_the_chosen_accounts_password_links_it(pending, make_account, chosen):
    account = make_account("lion-city", "seller@example.com")
    linked = Linked(account, "Your SmartShip account is now linked to your QSM seller account.")
    assert link(pending, **chosen) == linked
    assert [(row.account_id, row.sub) for row in links()] == [(account.id, "sub-seller-1")]


def test_a_failure_counts_against_the_account_however_it_was_chosen(pending, make_account):
    make_account("lion-city", "seller@example.com")
    assert link(pending, choice="lion-city", password="wrong-password!") == GENERIC
    # Its one allowed failure is spent: typed by its email, the right password is throttled too.
    blocked = link(pending, typed_login="seller@example.com")
    assert blocked.status == 429 and "try again in 15 minutes" in blocked.message
    assert links() == []


def test_an_unknown_typed_login_costs_a_bcrypt_check_and_counts_under_what_was_typed(pending, bcrypt_checks):
    assert link(pending, typed_login=" NoBody ", password="a-guess") == GENERIC
    assert bcrypt_checks == [("burnt", "a-guess")]
    assert throttle.retry_after("link", "nobody") > 0


def test_a_typed_account_without_a_password_is_told_what_a_wrong_password_is_and_it_counts(pending):
    account = passwordless_account("no-pass", "someone-else@example.com")
    assert link(pending, typed_login="no-pass", password="a-guess") == GENERIC
    assert throttle.retry_after("link", account.id) > 0


@pytest.mark.parametrize("chosen", [{"choice": "no-pass"}, {"typed_login": "no-pass"}], ids=["chosen", "typed"])
def test_the_sellers_own_listed_account_without_a_password_is_told_why_and_it_counts(pending, chosen):
    account = passwordless_account("no-pass", "seller@example.com")
    assert link(pending, password="a-guess", **chosen) == NO_PASSWORD_YET
    assert throttle.retry_after("link", account.id) > 0


@pytest.mark.parametrize("button", ["done", "reset"])
def test_an_email_several_accounts_share_asks_for_the_login_id(pending, make_account, outbox, button):
    make_account("one", "shared@example.com")
    make_account("two", "shared@example.com")
    if button == "done":
        assert link(pending, typed_login="shared@example.com") == SHARED_EMAIL
    else:
        assert send_reset([], choice="other", typed_login="shared@example.com") == SHARED_EMAIL
    assert links() == [] and outbox.messages() == []


@pytest.mark.parametrize(
    "chosen, asked",
    [
        ({"choice": "other", "typed_login": " "}, "Please choose the SmartShip account to link"),
        ({"choice": "lion-city", "password": ""}, "Please enter the password of the SmartShip account"),
    ],
    ids=["no account", "no password"],
)
def test_what_was_left_empty_is_asked_for_and_is_not_a_failed_attempt(
    pending, make_account, bcrypt_checks, chosen, asked
):
    account = make_account("lion-city", "seller@example.com")
    refusal = link(pending, **chosen)
    assert refusal.status == 400 and refusal.message.startswith(asked)
    assert bcrypt_checks == []
    assert throttle.retry_after("link", account.id) == 0 and throttle.retry_after("link") == 0


def test_while_the_address_is_throttled_nothing_is_checked(pending, smartship_app, make_account, bcrypt_checks):
    smartship_app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1 per 15 minutes"
    make_account("lion-city", "seller@example.com")
    assert link(pending, typed_login="nobody", password="a-guess") == GENERIC
    blocked = link(pending, choice="lion-city")
    assert blocked.status == 429 and "Too many attempts" in blocked.message
    assert bcrypt_checks == [("burnt", "a-guess")] and links() == []


def test_an_account_linked_to_another_seller_is_refused(pending, make_account):
    account = make_account("lion-city", "other@example.com")
    db.session.add(QsmLink(account=account, platform=PLATFORM, sub="another-seller"))
    db.session.commit()
    refusal = link(pending, typed_login="lion-city")
    assert refusal.status == 409 and "already linked to another QSM seller" in refusal.message


def test_a_new_account_is_made_and_linked(pending):
    outcome = create_new(pending, None, AGREED)
    assert outcome == Linked(outcome.account, "Your SmartShip account is ready and linked to your QSM seller account.")
    assert outcome.account.login_id == "seller@example.com"
    assert [row.account_id for row in links()] == [outcome.account.id]


def test_the_required_agreements_are_refused_without_them(pending):
    refusal = create_new(pending, None, {"terms", "privacy", "marketing"})
    assert refusal.status == 400 and refusal.message.startswith("Please agree to the SmartShip terms of service")
    assert links() == []


def test_a_taken_login_id_asks_for_another(pending, make_account):
    assert not asks_for_login_id(CLAIMS)
    make_account("seller@example.com", "someone-else@example.com")
    assert asks_for_login_id(CLAIMS)
    refusal = create_new(pending, None, AGREED)
    assert isinstance(refusal, ChooseAnotherLoginId) and refusal.status == 409
    assert "The login ID seller@example.com is already used" in refusal.message
    assert isinstance(create_new(pending, "tan-wei-ling", AGREED), Linked)


@pytest.mark.parametrize("second", ["new", "existing"])
def test_a_seller_another_window_linked_first_is_signed_in_to_that_account(new_pending, make_account, second):
    first, again = new_pending(), new_pending()
    make_account("lion-city", "other@example.com")
    account = create_new(first, None, AGREED).account
    outcome = create_new(again, None, AGREED) if second == "new" else link(again, typed_login="lion-city")
    assert outcome == SignInThroughLink(account)
    assert len(links()) == 1


def test_a_sign_up_that_is_gone_says_so(pending):
    db.session.expunge(pending)  # what the page read stays; the row goes (expired and purged)
    db.session.execute(db.delete(PendingSignup))
    db.session.commit()
    assert create_new(pending, None, AGREED) == Expired()
    assert links() == []


def test_password_reset_mails_only_the_chosen_accounts_own_address(pending, make_account, outbox):
    account = make_account("typed-acct", "owner-of-typed@example.com")
    unknown = send_reset([], choice="other", typed_login="nobody-here")
    sent = send_reset([], choice="other", typed_login="typed-acct")
    assert sent == unknown and isinstance(sent, ResetSent)
    assert [message["To"] for message in outbox.messages()] == [account.email]


def test_password_reset_counts_under_the_reset_limit_not_the_login_limit(pending, smartship_app):
    smartship_app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1 per 15 minutes"
    smartship_app.config["RESET_LIMIT_PER_ADDRESS"] = "3 per hour"
    for _ in range(3):
        assert isinstance(send_reset([], choice="other", typed_login="nobody-here"), ResetSent)
    assert send_reset([], choice="other", typed_login="nobody-here").status == 429


def test_password_reset_is_throttled_per_address(pending, smartship_app, make_account, outbox):
    smartship_app.config["RESET_LIMIT_PER_ADDRESS"] = "1 per hour"
    make_account("lion-city", "seller@example.com")
    assert isinstance(send_reset([], choice="other", typed_login="nobody-here"), ResetSent)
    blocked = send_reset([], choice="other", typed_login="lion-city")
    assert blocked.status == 429 and "Too many attempts" in blocked.message
    assert outbox.messages() == []


def test_linking_resumes_once_after_a_reset_asked_for_on_the_sign_up_page():
    session = {}
    assert not resume_linking_after_reset(session | {"pending_signup": "handle"})
    remember_reset_for_linking(session)
    assert not resume_linking_after_reset(session)  # no sign-up waits: the login page
    session["pending_signup"] = "handle"
    assert resume_linking_after_reset(session)
    assert not resume_linking_after_reset(session)
