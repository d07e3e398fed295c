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
    assert 'created <time datetime="2015-01-02T00:00:00Z">Jan 2, 2015</time>' in html and "primary account" in html
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


NO_PASSWORD_YET = "This SmartShip account has no password yet. Use Password Reset to set one, then finish linking."
GENERIC = "The login ID or password is not correct."


def passwordless_account(login_id, email):
    from clients.smartship.accounts import create_account

    return create_account(login_id, email, password=None, email_confirmed=True)


@pytest.mark.parametrize("typed", [False, True], ids=["chosen", "typed"])
def test_the_sellers_own_listed_account_without_a_password_points_to_password_reset(signup, typed):
    passwordless_account("no-pass", "seller@example.com")
    chosen = {"existing_account": "other", "typed_login": "no-pass"} if typed else {"existing_account": "no-pass"}
    response = link(signup, password="anything-at-all", **chosen)
    assert response.status_code == 400 and NO_PASSWORD_YET in response.get_data(as_text=True)
    assert links() == []


def test_a_typed_login_id_of_an_account_without_a_password_gets_the_generic_message(signup):
    passwordless_account("no-pass", "someone-else@example.com")
    page = signup.signup_page()
    answers = [
        link(signup, page=page, existing_account="other", typed_login=typed, password="anything-at-all")
        for typed in ("no-pass", "someone-else@example.com", "nobody-at-all")
    ]
    # An account without a password, found by login ID or by email, reads like an unknown one.
    assert [a.status_code for a in answers] == [400, 400, 400]
    for answer in answers:
        html = answer.get_data(as_text=True)
        assert GENERIC in html and "no password yet" not in html
    assert links() == []


def test_typed_login_ids_of_an_account_without_a_password_are_throttled(signup):
    passwordless_account("no-pass", "someone-else@example.com")
    page = signup.signup_page()
    for _ in range(5):  # LOGIN_LIMIT_PER_ACCOUNT: 5 per 15 minutes
        assert (
            link(signup, page=page, existing_account="other", typed_login="no-pass", password="guess").status_code
            == 400
        )
    blocked = link(signup, page=page, existing_account="other", typed_login="no-pass", password="guess")
    assert blocked.status_code == 429 and "try again in 15 minutes" in blocked.get_data(as_text=True)


def test_probing_many_accounts_without_a_password_is_throttled_by_address(signup):
    for n in range(21):
        passwordless_account(f"no-pass-{n}", f"someone-{n}@example.com")
    page = signup.signup_page()
    for n in range(20):  # LOGIN_LIMIT_PER_ADDRESS: 20 per 15 minutes, whichever account is typed
        assert (
            link(signup, page=page, existing_account="other", typed_login=f"no-pass-{n}", password="guess").status_code
            == 400
        )
    blocked = link(signup, page=page, existing_account="other", typed_login="no-pass-20", password="guess")
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)


def test_the_own_listed_account_without_a_password_counts_as_a_failed_attempt(signup):
    passwordless_account("no-pass", "seller@example.com")
    page = signup.signup_page()
    for _ in range(5):
        assert link(signup, page=page, existing_account="no-pass", password="guess").status_code == 400
    assert link(signup, page=page, existing_account="no-pass", password="guess").status_code == 429


def test_password_reset_goes_to_the_chosen_accounts_own_address_and_linking_resumes(
    signup, make_account, outbox, smartship
):
    from tests.support.pages import csrf_token

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
    done = smartship.post(
        reset_url,
        data={
            "csrf_token": csrf_token(form.get_data(as_text=True)),
            "password": "A-new-long-secret-9",
            "confirm_password": "A-new-long-secret-9",
        },
    )
    assert done.status_code == 302 and done.location.endswith("/linked-signup")
    finished = link(
        signup,
        page=smartship.get("/linked-signup"),
        existing_account="other",
        typed_login="typed-acct",
        password="A-new-long-secret-9",
    )
    assert finished.status_code == 302 and finished.location.endswith("/orders")
    assert links()[0].account_id == other.id


def test_choosing_create_new_account_despite_existing_ones(signup, make_account):
    make_account("lion-city", "seller@example.com")
    response = signup.done(registration_type="new", login_id="lion-city-2")
    assert response.status_code == 302
    # the email is someone's login ID? no: login IDs differ, so the email becomes the new login ID
    assert db.session.execute(db.select(Account).filter_by(login_id="seller@example.com")).scalar_one().links


ASK_PASSWORD = "Please enter the password of the SmartShip account you are linking."
ASK_ACCOUNT = "Please choose the SmartShip account to link, or enter its login ID or email."


@pytest.mark.parametrize(
    "chosen",
    [
        {"existing_account": "lion-city"},
        {"existing_account": "other", "typed_login": "lion-city"},
        {"existing_account": "other", "typed_login": "nobody-at-all"},
    ],
    ids=["listed", "typed", "unknown"],
)
def test_an_empty_password_asks_for_the_password_and_is_not_a_failed_attempt(signup, make_account, chosen):
    make_account("lion-city", "seller@example.com")
    page = signup.signup_page()
    for _ in range(6):  # more than LOGIN_LIMIT_PER_ACCOUNT: an empty password is never counted
        response = link(signup, page=page, password="", **chosen)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and ASK_PASSWORD in html
        assert GENERIC not in html
    assert links() == []


def test_no_account_chosen_or_typed_asks_for_one(signup, make_account):
    make_account("lion-city", "seller@example.com")
    response = link(signup, existing_account="other", typed_login="  ", password=PASSWORD)
    assert response.status_code == 400 and ASK_ACCOUNT in response.get_data(as_text=True)
    assert links() == []
