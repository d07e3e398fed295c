"""People who don't come from QSM: direct sign-up with email confirmation, and the operator CLI."""
import json

import pytest

from clients.smartship.extensions import db
from clients.smartship.models import Account
from tests.support.pages import csrf_token


def sign_up(client, **fields):
    page = client.get("/signup")
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "login_id": "new-shop",
        "email": "new@example.com",
        "password": "Long-enough-pass-1",
        "confirm_password": "Long-enough-pass-1",
    }
    data.update(fields)
    return client.post("/signup", data=data)


def test_direct_signup_creates_an_unconfirmed_account_and_mails_a_confirmation_link(smartship, outbox):
    response = sign_up(smartship)
    assert response.status_code == 302
    account = db.session.execute(db.select(Account).filter_by(login_id="new-shop")).scalar_one()
    assert account.email_confirmed_at is None and account.password_hash
    link = outbox.last_link("new@example.com")
    assert smartship.get(link).status_code == 200
    db.session.refresh(account)
    assert account.email_confirmed_at is not None
    assert smartship.get(link).status_code == 400  # once only


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"password": "short", "confirm_password": "short"}, "at least 10"),
        ({"password": "password123", "confirm_password": "password123"}, "too common"),
        ({"password": "new@example.com", "confirm_password": "new@example.com"}, "not be your login ID"),
        ({"confirm_password": "something-else-1"}, "do not match"),
        ({"login_id": "x"}, ""),
        ({"login_id": "has space"}, "login ID"),
        ({"email": "not-an-email"}, "valid email"),
    ],
)
def test_direct_signup_refusals(smartship, fields, message):
    response = sign_up(smartship, **fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.execute(db.select(Account)).first() is None


def test_a_taken_login_id_is_refused(smartship, make_account):
    make_account("new-shop", "someone@example.com")
    response = sign_up(smartship)
    assert response.status_code == 400 and "already taken" in response.get_data(as_text=True)


def test_cli_creates_accounts_and_marks_one_primary(smartship_app):
    runner = smartship_app.test_cli_runner()
    for login_id in ("first-acct", "second-acct"):
        result = runner.invoke(
            args=[
                "accounts",
                "create",
                "--login-id",
                login_id,
                "--email",
                "shared@example.com",
                "--password",
                "Long-enough-pass-1",
                "--confirmed",
            ]
        )
        assert result.exit_code == 0, result.output
    result = runner.invoke(args=["accounts", "mark-primary", "second-acct"])
    assert json.loads(result.output)["primary"] is True
    primaries = db.session.execute(db.select(Account.login_id).filter_by(is_primary=True)).scalars().all()
    assert primaries == ["second-acct"]
    result = runner.invoke(args=["accounts", "mark-primary", "first-acct"])
    assert db.session.execute(db.select(Account.login_id).filter_by(is_primary=True)).scalars().all() == ["first-acct"]
    bad = runner.invoke(
        args=["accounts", "create", "--login-id", "third", "--email", "x@example.com", "--password", "short"]
    )
    assert bad.exit_code != 0 and "at least 10" in bad.output


def test_demo_seed_is_idempotent(smartship_app):
    from clients.smartship.demo import seed_demo

    first = seed_demo()
    second = seed_demo()
    assert first == second
    shared = db.session.execute(db.select(Account).filter_by(email="harbour.books@example.com")).scalars().all()
    assert len(shared) == 2 and sum(a.is_primary for a in shared) == 1
