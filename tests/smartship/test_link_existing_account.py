"""Linking an existing SmartShip account from the linked sign-up page."""
from datetime import datetime

import pytest

from clients.smartship.extensions import db
from clients.smartship.models import Account, QsmLink

PASSWORD = "Tr1cky-Passphrase"


def link(signup, page=None, **fields):
    data = {"registration_type": "existing", "action": "done", **fields}
    return signup.done(page=page, **data)


def links():
    return db.session.execute(db.select(QsmLink)).scalars().all()


def test_accounts_with_the_verified_email_are_listed_primary_first_and_chosen_by_default(signup, make_account):
    make_account("old-id", "seller@example.com", created_at=datetime(2015, 1, 2))
    make_account("main-id", "Seller@Example.com", primary=True, created_at=datetime(2020, 5, 6))
    html = signup.signup_page().get_data(as_text=True)
    assert 'value="existing" checked' in html
    assert "Do you want to create a new account?" in html
    assert html.index("main-id") < html.index("old-id")
    assert "created 2015-01-02" in html and "primary account" in html
    assert 'value="main-id" checked' in html


def test_a_correct_password_links_the_account_and_runs_the_setup(signup, make_account, fake_qsm):
    account = make_account("lion-city", "seller@example.com")
    response = link(signup, existing_account="lion-city", password=PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/orders")
    [row] = links()
    assert row.account_id == account.id and row.sub == "sub-seller-1"
    assert fake_qsm.link_reports[-1]["smartship_login_id"] == "lion-city"
    assert db.session.execute(db.select(Account)).scalars().all() == [account]


def test_choosing_among_several_accounts(signup, make_account):
    make_account("first", "seller@example.com", primary=True)
    second = make_account("second", "seller@example.com")
    assert link(signup, existing_account="second", password=PASSWORD).status_code == 302
    assert links()[0].account_id == second.id


def test_a_typed_login_id_not_in_the_list(signup, make_account):
    other = make_account("different-mail", "other@example.com")
    response = link(signup, existing_account="other", typed_login="different-mail", password=PASSWORD)
    assert response.status_code == 302
    assert links()[0].account_id == other.id


def test_a_typed_email_shared_by_several_accounts_asks_for_the_login_id(signup, make_account):
    make_account("a-one", "shared@example.com")
    make_account("a-two", "shared@example.com")
    response = link(signup, existing_account="other", typed_login="shared@example.com", password=PASSWORD)
    assert response.status_code == 400 and "enter the login ID" in response.get_data(as_text=True)
    assert links() == []


def test_an_unconfirmed_account_with_the_same_email_is_never_offered(signup, make_account):
    make_account("squatter", "seller@example.com", confirmed=False)
    html = signup.signup_page().get_data(as_text=True)
    assert "squatter" not in html and 'value="new" checked' in html


def test_linking_never_confirms_an_accounts_email(signup, make_account):
    account = make_account("typed", "typed@example.com", confirmed=False)
    assert link(signup, existing_account="other", typed_login="typed", password=PASSWORD).status_code == 302
    db.session.refresh(account)
    assert account.email_confirmed_at is None


def test_when_qsm_email_is_not_verified_nothing_is_listed(signup, make_account, fake_qsm):
    fake_qsm.claims["email_verified"] = False
    make_account("lion-city", "seller@example.com")
    html = signup.signup_page().get_data(as_text=True)
    assert "lion-city" not in html and 'value="new" checked' in html


@pytest.mark.parametrize("typed", ["nobody", "lion-city"])
def test_a_wrong_password_or_unknown_login_gets_one_generic_message(signup, make_account, typed):
    make_account("lion-city", "seller@example.com")
    response = link(signup, existing_account="other", typed_login=typed, password="wrong-password!")
    assert response.status_code == 400
    assert "The login ID or password is not correct." in response.get_data(as_text=True)
    assert links() == []


def test_wrong_passwords_are_throttled_and_the_page_says_when_to_retry(signup, make_account, smartship_app):
    make_account("lion-city", "seller@example.com")
    page = signup.signup_page()
    for _ in range(5):
        assert link(signup, page=page, existing_account="lion-city", password="wrong-password!").status_code == 400
    blocked = link(signup, page=page, existing_account="lion-city", password=PASSWORD)
    assert blocked.status_code == 429
    assert "try again in 15 minutes" in blocked.get_data(as_text=True)
    assert links() == []


def test_an_account_linked_to_another_seller_cannot_be_linked(signup, make_account):
    account = make_account("lion-city", "other@example.com")
    db.session.add(QsmLink(account=account, platform="qoo10-sg", sub="another-seller"))
    db.session.commit()
    response = link(signup, existing_account="other", typed_login="lion-city", password=PASSWORD)
    assert response.status_code == 409 and "already linked to another QSM seller" in response.get_data(as_text=True)
    assert len(links()) == 1


def test_an_account_without_a_password_points_to_password_reset(signup, make_account):
    account = make_account("no-pass", "seller@example.com")
    account.password_hash = None
    db.session.commit()
    response = link(signup, existing_account="no-pass", password="anything-at-all")
    assert response.status_code == 400 and "Password Reset" in response.get_data(as_text=True)


def test_password_reset_goes_to_the_chosen_accounts_own_address_and_linking_resumes(signup, make_account, outbox, smartship):
    from tests.conftest import csrf_token

    make_account("lion-city", "seller@example.com")
    other = make_account("typed-acct", "owner-of-typed@example.com")
    page = signup.signup_page()
    # The address typed into the form is never where the link goes.
    response = link(signup, page=page, existing_account="other", typed_login="typed-acct", password="", action="reset")
    assert response.status_code == 302 and response.location.endswith("/linked-signup")
    [message] = outbox.messages()
    assert message["To"] == other.email
    reset_url = outbox.last_link(other.email)
    form = smartship.get(reset_url)
    done = smartship.post(reset_url, data={"csrf_token": csrf_token(form.get_data(as_text=True)), "password": "A-new-long-secret-9", "confirm_password": "A-new-long-secret-9"})
    assert done.status_code == 302 and done.location.endswith("/linked-signup")
    finished = link(signup, page=smartship.get("/linked-signup"), existing_account="other", typed_login="typed-acct", password="A-new-long-secret-9")
    assert finished.status_code == 302 and finished.location.endswith("/orders")
    assert links()[0].account_id == other.id


def test_choosing_create_new_account_despite_existing_ones(signup, make_account):
    make_account("lion-city", "seller@example.com")
    response = signup.done(registration_type="new", login_id="lion-city-2")
    assert response.status_code == 302
    # the email is someone's login ID? no: login IDs differ, so the email becomes the new login ID
    assert db.session.execute(db.select(Account).filter_by(login_id="seller@example.com")).scalar_one().links
