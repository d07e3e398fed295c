"""Done clicked twice at once (a double click, two tabs) on one linked sign-up, against a live SmartShip.

The requests run in parallel on a real socket and a real database (a file SQLite, or
SMARTSHIP_TEST_DATABASE_URL, as in CI), and are held at the point of conflict: each Done stops
right before its first write until every one of them is there, so all have read the same
pending sign-up and all try to use it up together.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import responses
from flask import g, has_request_context, request
from sqlalchemy import event

from clients.smartship import create_app
from clients.smartship.extensions import db
from clients.smartship.models import (
    Account,
    FulfillmentApplication,
    LoginSession,
    PendingSignup,
    QsmLink,
)
from tests.support.live_server import start_live_server
from tests.support.pages import csrf_token, query_of

from .conftest import ISSUER, PLATFORM, FakeQSM

PASSWORD = "Tr1cky-Passphrase"
AGREED = {"agree_terms": "y", "agree_privacy": "y", "agree_qsm_data": "y"}
TIMEOUT = 30


class LiveSmartShip:
    def __init__(self, server, fake):
        self.server = server
        self.app = server.app
        self.fake = fake

    def url(self, path):
        return self.server.base_url + path

    def query(self, fn):
        with self.app.app_context():
            return fn()

    def signup_page(self):
        """A browser that came back from QSM and sees the sign-up page: (its session, the page's CSRF token)."""
        browser = requests.Session()
        start = browser.get(self.url("/linked-signup/start"), allow_redirects=False, timeout=TIMEOUT)
        assert start.status_code == 302 and start.headers["Location"].startswith(ISSUER), start.text
        params = query_of(start.headers["Location"])
        self.fake.nonce = params["nonce"]
        callback = browser.get(
            self.url(f"/auth/callback/{PLATFORM}"),
            params={"code": "code-1", "state": params["state"], "iss": ISSUER},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert callback.status_code == 302 and callback.headers["Location"].endswith("/linked-signup"), callback.text
        page = browser.get(self.url("/linked-signup"), timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        return browser, csrf_token(page.text)

    def around_first_write_of_done(self, before, after=lambda: None):
        """In every Done POST, call ``before()`` right before its first INSERT, UPDATE or DELETE
        and ``after()`` once that statement ran (if it did not wait for a lock and fail);
        ``stop()`` ends it."""

        def is_first_write(statement):
            if not has_request_context() or (request.method, request.path) != ("POST", "/linked-signup"):
                return False
            if g.get("wrote") or g.get("in_hook"):  # not what ``before`` itself may write
                return False
            return statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))

        def before_hook(conn, cursor, statement, parameters, context, executemany):
            if is_first_write(statement) and not g.get("held"):
                g.held = g.in_hook = True
                try:
                    before()
                finally:
                    g.in_hook = False

        def after_hook(conn, cursor, statement, parameters, context, executemany):
            if is_first_write(statement):
                g.wrote = True
                after()

        engine = self.query(lambda: db.engine)
        event.listen(engine, "before_cursor_execute", before_hook)
        event.listen(engine, "after_cursor_execute", after_hook)

        def stop():
            event.remove(engine, "before_cursor_execute", before_hook)
            event.remove(engine, "after_cursor_execute", after_hook)

        self.stop = stop


@pytest.fixture
def live(tmp_path):
    database_url = os.environ.get("SMARTSHIP_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'smartship.db'}"

    def build(base_url):
        app = create_app(
            "testing", test_config={"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_OUTBOX": str(tmp_path / "outbox")}
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
        return app

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # QSM is the fake; SmartShip itself is reached over the socket.
        mock.add_passthru("http://127.0.0.1")
        fake = FakeQSM(mock)
        server = start_live_server(build)
        try:
            yield LiveSmartShip(server, fake)
        finally:
            server.stop()
            with server.app.app_context():
                db.session.remove()
                db.drop_all()
                db.engine.dispose()


def click_done_together(live, browser, forms, first=None):
    """POST every form at once, each from its own tab holding the same browser session.

    Every Done waits right before its first write until all have read the pending sign-up and
    got there. With ``first`` (an index into ``forms``) the others then also wait until that
    one's first write has run, so it is the one that gets there first.
    """
    tabs = []
    for _ in forms:
        tab = requests.Session()
        tab.cookies.update(browser.cookies)
        tabs.append(tab)
    forms = [{**form, "tab": str(n)} for n, form in enumerate(forms)]  # an extra field the form ignores
    barrier = threading.Barrier(len(forms), timeout=10)
    first_wrote = threading.Event()

    def before():
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return  # asserted below: then no race was tested
        if first is not None and request.form["tab"] != str(first):
            first_wrote.wait(10)

    def after():
        if first is not None and request.form["tab"] == str(first):
            first_wrote.set()

    live.around_first_write_of_done(before, after)
    try:
        with ThreadPoolExecutor(max_workers=len(forms)) as pool:
            answers = list(
                pool.map(
                    lambda tab_form: tab_form[0].post(
                        live.url("/linked-signup"), data=tab_form[1], allow_redirects=False, timeout=TIMEOUT
                    ),
                    zip(tabs, forms, strict=True),
                )
            )
    finally:
        live.stop()
    assert not barrier.broken, "the Done requests did not meet before writing: no race was tested"
    assert first is None or first_wrote.is_set()
    return tabs, answers


def new_account(token):
    return {"csrf_token": token, "registration_type": "new", "action": "done", **AGREED}


def existing_account(token, login_id):
    return {
        "csrf_token": token,
        "registration_type": "existing",
        "existing_account": login_id,
        "password": PASSWORD,
        "action": "done",
        **AGREED,
    }


def database_state(live):
    def read():
        links = db.session.execute(db.select(QsmLink)).scalars().all()
        return {
            "links": [(link.platform, link.sub, link.account.login_id) for link in links],
            "accounts": sorted(a.login_id for a in db.session.execute(db.select(Account)).scalars()),
            "applications": sorted(
                f.account.login_id for f in db.session.execute(db.select(FulfillmentApplication)).scalars()
            ),
            "pending": db.session.execute(db.select(PendingSignup)).all(),
            "sessions": sorted({s.account_id for s in db.session.execute(db.select(LoginSession)).scalars()}),
            "linked_account_ids": [link.account_id for link in links],
        }

    return live.query(read)


def who_is_signed_in(live, tab):
    page = tab.get(live.url("/account"), allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    return page.text.split('data-testid="login-id">', 1)[1].split("<", 1)[0]


@pytest.mark.parametrize("clicks", [2, 3], ids=["double-click", "three-tabs"])
def test_done_clicked_at_once_makes_one_account_and_every_click_ends_signed_in_to_it(live, clicks):
    browser, token = live.signup_page()
    tabs, answers = click_done_together(live, browser, [new_account(token)] * clicks)

    assert [a.status_code for a in answers] == [302] * clicks, [(a.status_code, a.text[:300]) for a in answers]
    assert all(a.headers["Location"].endswith("/orders") for a in answers)
    state = database_state(live)
    assert state["links"] == [(PLATFORM, "sub-seller-1", "seller@example.com")]
    assert state["accounts"] == ["seller@example.com"] and state["applications"] == ["seller@example.com"]
    assert state["pending"] == [] and state["sessions"] == state["linked_account_ids"]
    # Every tab is signed in to the one account that was made, and sees its order management.
    assert {who_is_signed_in(live, tab) for tab in tabs} == {"seller@example.com"}
    assert all(tab.get(live.url("/orders"), timeout=TIMEOUT).status_code == 200 for tab in tabs)


@pytest.mark.parametrize(
    "first, linked_login", [(0, "seller@example.com"), (1, "lion-city")], ids=["creating-first", "linking-first"]
)
def test_two_tabs_one_creating_one_linking_settle_on_one_account_for_the_seller(live, first, linked_login):
    def existing():
        from clients.smartship.accounts import create_account

        create_account("lion-city", "seller@example.com", PASSWORD, email_confirmed=True)

    live.query(existing)
    browser, token = live.signup_page()
    tabs, answers = click_done_together(
        live, browser, [new_account(token), existing_account(token, "lion-city")], first=first
    )

    assert [a.status_code for a in answers] == [302, 302], [(a.status_code, a.text[:300]) for a in answers]
    assert all(a.headers["Location"].endswith("/orders") for a in answers)
    state = database_state(live)
    assert state["links"] == [(PLATFORM, "sub-seller-1", linked_login)]
    # Nothing half-made is left: besides lion-city (made by direct sign-up, without a
    # fulfillment application) there is only the account the creating tab made if it came
    # first, and the linked account has its application. Both tabs are signed in to it.
    assert state["accounts"] == sorted({"lion-city", linked_login})
    assert state["applications"] == [linked_login]
    assert state["pending"] == [] and state["sessions"] == state["linked_account_ids"]
    assert {who_is_signed_in(live, tab) for tab in tabs} == {linked_login}


def test_a_pending_sign_up_gone_while_done_runs_is_a_clear_page_and_nothing_is_made(live):
    """Say it expired and a new callback purged it just as Done was about to write."""
    browser, token = live.signup_page()

    def purge():
        with db.engine.begin() as connection:
            connection.execute(db.delete(PendingSignup.__table__))

    live.around_first_write_of_done(purge)
    try:
        answer = browser.post(
            live.url("/linked-signup"), data=new_account(token), allow_redirects=False, timeout=TIMEOUT
        )
    finally:
        live.stop()
    assert (
        answer.status_code == 400 and "Your linked sign-up has expired" in answer.text and "Start over" in answer.text
    )
    state = database_state(live)
    assert state["links"] == [] and state["accounts"] == [] and state["applications"] == [] and state["sessions"] == []
