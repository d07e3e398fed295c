"""Password reset by email: one use, 30 minutes, stored as a digest, and delivered over real SMTP."""
import email
import re
import time

import pytest
from aiosmtpd.controller import Controller

from clients.smartship.extensions import db
from clients.smartship.models import Account, AccountToken
from tests.support.pages import csrf_token

PASSWORD = "Tr1cky-Passphrase"
NEW_PASSWORD = "Another-long-secret-7"


def ask_reset(client, identifier):
    page = client.get("/forgot-password")
    return client.post(
        "/forgot-password", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "identifier": identifier}
    )


def set_new_password(client, path, password=NEW_PASSWORD, confirm=None):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "password": password,
            "confirm_password": confirm or password,
        },
    )


def login(client, identifier, password):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "identifier": identifier, "password": password},
    )


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(smartship, make_account, outbox):
    make_account("lion-city", "seller@example.com")

    def answer(identifier):
        response = ask_reset(smartship, identifier)
        assert response.status_code == 302
        # CSRF tokens differ between pages; everything else must be identical.
        return re.sub(r'value="[^"]+"', "", smartship.get(response.location).get_data(as_text=True))

    known, unknown = answer("lion-city"), answer("nobody-at-all")
    assert "If an account matches" in known
    assert known == unknown
    assert len(outbox.messages()) == 1


def test_the_reset_link_sets_a_password_that_then_logs_in(smartship, make_account, outbox):
    make_account("lion-city", "seller@example.com")
    ask_reset(smartship, "seller@example.com")
    response = set_new_password(smartship, outbox.last_link("seller@example.com"))
    assert response.status_code == 302 and response.location.endswith("/login")
    assert login(smartship, "lion-city", NEW_PASSWORD).status_code == 302


def test_the_link_works_once(smartship, make_account, outbox):
    make_account("lion-city", "seller@example.com")
    ask_reset(smartship, "lion-city")
    link = outbox.last_link()
    assert set_new_password(smartship, link).status_code == 302
    assert smartship.get(link).status_code == 400


def test_the_link_expires_after_30_minutes(smartship, make_account, outbox, monkeypatch):
    make_account("lion-city", "seller@example.com")
    ask_reset(smartship, "lion-city")
    link = outbox.last_link()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 30 * 60 + 1)
    assert smartship.get(link).status_code == 400


def test_the_link_is_stored_only_as_a_digest(smartship, make_account, outbox):
    make_account("lion-city", "seller@example.com")
    ask_reset(smartship, "lion-city")
    token = outbox.last_link().rsplit("/", 1)[1]
    [row] = db.session.execute(db.select(AccountToken)).scalars().all()
    assert token not in row.token_hash and len(row.token_hash) == 64


def test_the_link_dies_when_the_password_changes_another_way(smartship, make_account, outbox):
    from clients.smartship.accounts import set_password

    account = make_account("lion-city", "seller@example.com")
    ask_reset(smartship, "lion-city")
    link = outbox.last_link()
    set_password(account, "Changed-elsewhere-42")
    assert smartship.get(link).status_code == 400


@pytest.mark.parametrize(
    "password,message",
    [
        ("short-1", "at least 10"),
        ("lion-city", "at least 10"),
        ("seller@example.com", "not be your login ID"),
        ("password123", "too common"),
        ("aaaaaaaaaaaa", "too common"),
    ],
)
def test_the_new_password_must_follow_the_policy(smartship, make_account, outbox, password, message):
    make_account("lion-city", "seller@example.com")
    ask_reset(smartship, "lion-city")
    response = set_new_password(smartship, outbox.last_link(), password=password)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_setting_the_password_ends_other_sessions(smartship, smartship_app, make_account, outbox):
    make_account("lion-city", "seller@example.com")
    other = smartship_app.test_client()
    assert login(other, "lion-city", PASSWORD).status_code == 302
    assert other.get("/orders").status_code == 200
    ask_reset(smartship, "lion-city")
    set_new_password(smartship, outbox.last_link())
    assert other.get("/orders").status_code == 302


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    import socket

    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_mail_goes_out_over_smtp_and_the_link_in_it_works(smartship, smartship_app, make_account, smtp_server):
    controller, inbox = smtp_server
    smartship_app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    make_account("lion-city", "seller@example.com")
    ask_reset(smartship, "lion-city")
    [(recipients, message)] = inbox.messages
    assert recipients == ["seller@example.com"] and "Reset your SmartShip password" in message["Subject"]
    link = re.search(r"http://smartship\.test(/\S+)", message.get_payload(decode=True).decode()).group(1)
    assert set_new_password(smartship, link).status_code == 302
    assert login(smartship, "lion-city", NEW_PASSWORD).status_code == 302


def test_a_linked_account_gets_its_first_password_by_reset(signup, smartship, outbox):
    signup.done()
    account = db.session.execute(db.select(Account)).scalar_one()
    assert account.password_hash is None
    page = smartship.get("/orders")
    smartship.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    ask_reset(smartship, "seller@example.com")
    assert set_new_password(smartship, outbox.last_link("seller@example.com")).status_code == 302
    assert login(smartship, "seller@example.com", NEW_PASSWORD).status_code == 302


def test_a_too_short_password_is_said_beside_the_new_password_field(smartship, make_account, outbox):
    make_account("lion-city", "seller@example.com")
    ask_reset(smartship, "lion-city")
    link = outbox.last_link()
    form = smartship.get(link).get_data(as_text=True)
    # The browser says so before sending, from the field itself.
    field = re.search(r'<input [^>]*id="password"[^>]*>', form).group(0)
    assert 'minlength="10"' in field and 'aria-describedby="password-hint"' in field
    assert 'id="password-hint"' in form and "At least 10 characters" in form
    html = set_new_password(smartship, link, password="short-1").get_data(as_text=True)
    error = re.search(
        r'id="password"[^>]*>\s*<span class="field-error" role="alert">([^<]+)</span>', html
    )
    assert error and error.group(1) == "The password must have at least 10 characters."
    japanese = smartship.post(
        link,
        data={"csrf_token": csrf_token(html), "password": "short-1", "confirm_password": "short-1"},
        headers={"Accept-Language": "ja"},
    ).get_data(as_text=True)
    assert re.search(r'<span class="field-error" role="alert">パスワードは 10 文字以上', japanese)
