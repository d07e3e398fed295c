"""Changing the password through the page: it ends other sessions and keeps this one."""
import pytest

from idp.extensions import db
from idp.models import Seller
from tests.support.pages import csrf_token
from tests.support.qsm import PASSWORD, Auth

NEW_PASSWORD = "a brand new passphrase"


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None, with_csrf=True):
    page = client.get("/account/password")
    assert page.status_code == 200
    data = {
        "current_password": current,
        "new_password": new,
        "confirm_password": confirm if confirm is not None else new,
    }
    if with_csrf:
        data["csrf_token"] = csrf_token(page.get_data(as_text=True))
    return client.post("/account/password", data=data)


def test_page_has_labelled_fields(client, seller, auth):
    auth.login()
    html = client.get("/account/password").get_data(as_text=True)
    for field, label in [
        ("current_password", "Current password"),
        ("new_password", "New password"),
        ("confirm_password", "Confirm new password"),
    ]:
        assert f'<label for="{field}">{label}</label>' in html
        assert f'id="{field}"' in html
    assert ">Change password</button>" in html


def test_change_ends_other_sessions_and_keeps_this_one(app, client, seller, auth):
    auth.login()
    other = app.test_client()
    Auth(other).login()
    assert other.get("/").status_code == 200

    response = change(client)
    assert response.status_code == 302 and response.location == "/"
    assert "Your password has been changed." in client.get("/").get_data(as_text=True)
    assert client.get("/account/password").status_code == 200

    ended = other.get("/")
    assert ended.status_code == 302 and ended.location.startswith("/login")


def test_new_password_works_and_old_one_does_not(app, client, seller, auth):
    auth.login()
    change(client)
    assert Auth(app.test_client()).login(password=PASSWORD).status_code == 200
    assert Auth(app.test_client()).login(password=NEW_PASSWORD).status_code == 302


def test_change_keeps_the_subject(client, seller, auth):
    sub = seller.sub
    auth.login()
    change(client)
    db.session.expire_all()
    assert db.session.get(Seller, seller.id).sub == sub


@pytest.mark.parametrize(
    "current, new, confirm, message",
    [
        ("wrong password", NEW_PASSWORD, None, "The current password is not correct."),
        (PASSWORD, NEW_PASSWORD, "something else entirely", "The passwords do not match."),
        (PASSWORD, "short", None, "at least 10 characters"),
        (PASSWORD, "seller@example.com", None, "must not be your email address"),
        ("", NEW_PASSWORD, None, "This field is required."),
    ],
)
def test_bad_changes_are_refused_and_keep_every_session(app, client, seller, auth, current, new, confirm, message):
    auth.login()
    other = app.test_client()
    Auth(other).login()
    response = change(client, current=current, new=new, confirm=confirm)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Seller, seller.id).credentials_version == 1
    assert other.get("/").status_code == 200


def test_change_without_csrf_is_refused(client, seller, auth):
    auth.login()
    response = change(client, with_csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Seller, seller.id).credentials_version == 1


def test_change_needs_a_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_too_short_new_password_is_said_beside_the_field(client, seller, auth):
    import re

    auth.login()
    form = client.get("/account/password").get_data(as_text=True)
    # The browser says so before sending, from the field itself.
    field = re.search(r'<input [^>]*id="new_password"[^>]*>', form).group(0)
    assert 'minlength="10"' in field and 'aria-describedby="password-hint"' in field
    html = change(client, new="short").get_data(as_text=True)
    error = re.search(r'id="new_password"[^>]*>\s*<span class="field-error" role="alert">([^<]+)</span>', html)
    assert error and error.group(1).startswith("The password must have at least 10 characters")
