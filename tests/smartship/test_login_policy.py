"""login_policy called directly: which account an attempt counts against, what it costs, what a
failure is told."""
import pytest

from clients.smartship import throttle
from clients.smartship.accounts import create_account
from clients.smartship.login_policy import LoggedIn, log_in
from clients.smartship.refusals import Refused

PASSWORD = "Tr1cky-Passphrase"
GENERIC = Refused(
    "The login ID or password is not correct. Joined from QSM and no password set yet? "
    "Set one with password reset, or log in with QSM.",
    400,
)


@pytest.mark.parametrize("identifier", ["lion-city", " Seller@Example.com "])
def test_the_password_of_the_account_the_identifier_names_logs_in(policy_request, make_account, identifier):
    account = make_account("lion-city", "seller@example.com")
    assert log_in(identifier, PASSWORD) == LoggedIn(account)


def test_a_failure_counts_against_the_account_however_it_was_named(policy_request, make_account):
    make_account("lion-city", "seller@example.com")
    assert log_in("seller@example.com", "wrong-password!") == GENERIC
    # The one failure the account is allowed is spent: its login ID is throttled, the right
    # password included, and the seller is told when to try again.
    blocked = log_in("lion-city", PASSWORD)
    assert blocked.status == 429 and "try again in 15 minutes" in blocked.message


def test_an_unknown_login_costs_a_bcrypt_check_and_counts_under_what_was_typed(
    policy_request, make_account, bcrypt_checks
):
    make_account("lion-city", "seller@example.com")
    assert log_in(" NoBody ", "a-guess") == GENERIC
    assert bcrypt_checks == [("burnt", "a-guess")]
    assert throttle.retry_after("login", "nobody") > 0
    assert throttle.retry_after("login", "somebody-else") == 0


def test_an_account_without_a_password_reads_like_any_failure_and_the_attempt_counts(policy_request, make_account):
    # Its login ID is a seller's email: a different answer would tell anyone the account exists.
    account = create_account("no-pass", "seller@example.com", password=None, email_confirmed=True)
    assert log_in("no-pass", "a-guess") == GENERIC
    assert throttle.retry_after("login", account.id) > 0


def test_an_email_several_accounts_share_asks_for_the_login_id(policy_request, make_account, bcrypt_checks):
    make_account("one", "shared@example.com")
    make_account("two", "shared@example.com")
    assert log_in("shared@example.com", PASSWORD) == Refused(
        "Several SmartShip accounts use this email address. Please log in with your login ID.", 400
    )
    assert bcrypt_checks == []


def test_while_the_address_is_throttled_nothing_is_checked(policy_request, smartship_app, make_account, bcrypt_checks):
    smartship_app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1 per 15 minutes"
    make_account("lion-city", "seller@example.com")
    make_account("harbour", "harbour@example.com")
    assert log_in("lion-city", "wrong-password!") == GENERIC
    blocked = log_in("harbour", PASSWORD)
    assert blocked.status == 429 and "Too many attempts" in blocked.message
    assert bcrypt_checks == [("real", "wrong-password!")]
