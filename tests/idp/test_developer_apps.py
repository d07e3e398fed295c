"""Developer registration: a seller registers an app, sees its secret once, rotates it, deletes the app."""
import json
import re
from html.parser import HTMLParser

import pytest

from idp.digests import digest
from idp.extensions import db
from idp.models import OAuthClient, Token
from tests.support.pages import csrf_token
from tests.support.qsm import Auth


def register(client, **fields):
    page = client.get("/developer/apps/new")
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "name": "Repricer Pro",
        "home_page": "https://repricer.example",
        "redirect_uris": "https://repricer.example/callback",
        "post_logout_redirect_uris": "https://repricer.example/",
        "backchannel_logout_uri": "https://repricer.example/backchannel-logout",
        "client_type": "confidential",
        "scopes": ["openid", "profile", "qsm.orders.read"],
    }
    data.update(fields)
    return client.post("/developer/apps/new", data=data)


def registered(client, **fields):
    """Register through the form and follow the redirect: the page that shows the secret."""
    response = register(client, **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.get(response.location)


def shown(html, testid):
    match = re.search(rf'data-testid="{testid}">([^<]+)<', html)
    return match.group(1) if match else None


def pending_secrets():
    from idp.models import PendingClientSecret

    return db.session.execute(db.select(PendingClientSecret)).scalars().all()


def session_cookie(client):
    cookie = client.get_cookie("qsm_session")
    return cookie.value if cookie else ""


class Controls(HTMLParser):
    """The form controls of a page, their labels, and the accessible names of buttons and links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inputs, self.label_for, self.buttons, self.open = [], set(), [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select") and attrs.get("type") != "hidden":
            self.inputs.append(attrs.get("id"))
        elif tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        elif tag in ("button", "a"):
            self.open = [tag, attrs, ""]

    def handle_data(self, data):
        if self.open:
            self.open[2] += data

    def handle_endtag(self, tag):
        if self.open and tag == self.open[0]:
            self.buttons.append((tag, self.open[1].get("aria-label") or self.open[2].strip(), self.open[1]))
            self.open = None


def controls(html):
    parser = Controls()
    parser.feed(html)
    return parser


def assert_accessible(html):
    page = controls(html)
    assert all(i and i in page.label_for for i in page.inputs), page.inputs
    assert all(name for _, name, _ in page.buttons), page.buttons


@pytest.fixture
def developer(client, seller, auth):
    auth.login()
    return client


def test_register_shows_client_id_and_secret_once_and_stores_only_a_digest(developer, seller):
    response = registered(developer)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Copy the client secret now" in html
    client_id, secret = shown(html, "client-id"), shown(html, "client-secret")
    app = db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one()
    assert app.client_secret_hash == digest(secret) and secret not in (app.client_secret_hash or "")
    assert app.owner_pk == seller.id and app.trusted is False
    assert app.backchannel_logout_uri == "https://repricer.example/backchannel-logout"
    assert secret not in developer.get(f"/developer/apps/{client_id}").get_data(as_text=True)
    assert "Repricer Pro" in developer.get("/developer/apps").get_data(as_text=True)


def test_a_public_app_has_no_secret(developer):
    response = register(developer, client_type="public")
    assert response.status_code == 303
    html = developer.get(response.location).get_data(as_text=True)
    assert "Repricer Pro is registered. A public app has no client secret" in html
    assert 'data-testid="client-secret"' not in html and 'data-testid="client-id"' in html
    app = db.session.execute(db.select(OAuthClient)).scalar_one()
    assert app.token_endpoint_auth_method == "none" and app.client_secret_hash is None
    assert pending_secrets() == []


# --- The secret page is a GET after a redirect, and shows the secret once -------------------


def test_reloading_the_secret_page_neither_registers_again_nor_shows_the_secret_again(developer):
    response = register(developer)
    assert response.status_code == 303  # POST-redirect-GET: the POST shows nothing itself
    client_id = db.session.execute(db.select(OAuthClient.client_id)).scalar_one()
    assert response.location == f"/developer/apps/{client_id}/secret"
    first = developer.get(response.location)
    html = first.get_data(as_text=True)
    secret = shown(html, "client-secret")
    assert (
        first.status_code == 200
        and secret
        and "Copy the client secret now" in html
        and "<h1>Repricer Pro is registered</h1>" in html
    )
    assert first.headers["Cache-Control"] == "no-store"  # Back does not bring it from a cache either

    for _ in range(2):  # reload, or Back then Forward
        again = developer.get(f"/developer/apps/{client_id}/secret", follow_redirects=True)
        page = again.get_data(as_text=True)
        assert again.request.path == f"/developer/apps/{client_id}"
        assert secret not in page and 'data-testid="client-secret"' not in page
        assert "The client secret of Repricer Pro was shown once and QSM cannot show it again" in page
    assert db.session.execute(db.select(db.func.count(OAuthClient.id))).scalar() == 1


def test_the_waiting_secret_is_encrypted_in_the_database_and_absent_from_the_session_cookie(app, developer, seller):
    response = register(developer)
    assert response.status_code == 303  # POST-redirect-GET: the POST response shows no secret
    client = db.session.execute(db.select(OAuthClient)).scalar_one()
    [row] = pending_secrets()
    assert row.seller_pk == seller.id and row.client_pk == client.id and row.reason == "registered"
    import time

    assert 60 <= row.expires_at - time.time() <= 600  # a few minutes
    encrypted, cookie = row.secret_encrypted, session_cookie(developer)
    session = app.session_interface.get_signing_serializer(app).loads(cookie)

    secret = shown(developer.get(response.location).get_data(as_text=True), "client-secret")
    assert client.check_client_secret(secret)
    assert secret not in encrypted and secret not in cookie and secret not in json.dumps(session)
    # The GET that showed it deleted the row, and took the key out of the session.
    db.session.expire_all()
    assert pending_secrets() == []
    after = app.session_interface.get_signing_serializer(app).loads(session_cookie(developer))
    assert client.client_id not in json.dumps(after)


def test_an_unclaimed_secret_expires_after_a_few_minutes(developer, clock):
    response = register(developer)
    assert response.status_code == 303  # POST-redirect-GET: the POST response shows no secret
    clock.advance(301)
    page = developer.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="client-secret"' not in page and "was shown once" in page
    assert pending_secrets() == []


def test_only_the_browser_and_seller_that_registered_the_app_see_its_secret(app, developer, seller, make_seller):
    response = register(developer)
    assert response.status_code == 303  # POST-redirect-GET: the POST response shows no secret
    # The same seller in another browser: no key for this secret in that session
    other_browser = app.test_client()
    Auth(other_browser).login()
    page = other_browser.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="client-secret"' not in page
    # Another seller: not their app
    make_seller("other@example.com")
    stranger = app.test_client()
    Auth(stranger).login("other@example.com")
    assert stranger.get(response.location).status_code == 404
    # The secret still waits for the browser that registered the app
    assert shown(developer.get(response.location).get_data(as_text=True), "client-secret")


@pytest.mark.parametrize(
    "uri,message",
    [
        ("http://repricer.example/callback", "http is allowed only on loopback"),
        ("https://repricer.example/callback#frag", "fragment"),
        ("https://*.repricer.example/callback", "wildcards"),
        ("https://repricer.example/*", "wildcards"),
        ("ftp://repricer.example/callback", "absolute https URL"),
        ("/callback", "absolute https URL"),
        ("https://user:pass@repricer.example/cb", "credentials"),
    ],
)
def test_redirect_uri_rules(developer, uri, message):
    response = register(developer, redirect_uris=uri)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.execute(db.select(OAuthClient)).first() is None


@pytest.mark.parametrize("uri", ["http://127.0.0.1:8080/cb", "http://localhost/cb", "http://[::1]:9000/cb", "https://repricer.example/cb?x=1"])
def test_loopback_http_and_https_are_accepted(developer, uri):
    assert register(developer, redirect_uris=uri).status_code == 303


def test_back_channel_and_post_logout_uris_follow_the_same_rules(developer):
    assert register(developer, backchannel_logout_uri="http://evil.example/bc").status_code == 400
    assert register(developer, post_logout_redirect_uris="https://x.example/#f").status_code == 400


def test_openid_is_required(developer):
    response = register(developer, scopes=["profile"])
    assert response.status_code == 400 and "openid" in response.get_data(as_text=True)


def test_rotate_secret_replaces_the_old_one(developer):
    html = registered(developer).get_data(as_text=True)
    client_id, old = shown(html, "client-id"), shown(html, "client-secret")
    page = developer.get(f"/developer/apps/{client_id}")
    rotated = developer.post(
        f"/developer/apps/{client_id}/rotate-secret",
        data={"csrf_token": csrf_token(page.get_data(as_text=True))},
        follow_redirects=True,
    )
    new = shown(rotated.get_data(as_text=True), "client-secret")
    app = db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one()
    assert new != old and app.check_client_secret(new) and not app.check_client_secret(old)


def test_reloading_the_rotated_secret_page_neither_rotates_again_nor_shows_the_secret_again(developer):
    client_id = shown(registered(developer).get_data(as_text=True), "client-id")
    page = developer.get(f"/developer/apps/{client_id}").get_data(as_text=True)
    response = developer.post(f"/developer/apps/{client_id}/rotate-secret", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303 and response.location == f"/developer/apps/{client_id}/secret"
    html = developer.get(response.location).get_data(as_text=True)
    new = shown(html, "client-secret")
    assert "<h1>Repricer Pro: new client secret</h1>" in html and "the old secret no longer works" in html
    app = db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one()
    digest_after_rotation = app.client_secret_hash

    again = developer.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert new not in again and "was shown once" in again
    db.session.expire_all()
    assert app.client_secret_hash == digest_after_rotation and app.check_client_secret(new)
    assert pending_secrets() == []


def test_a_second_rotation_replaces_the_secret_still_waiting(developer):
    client_id = shown(registered(developer).get_data(as_text=True), "client-id")
    page = developer.get(f"/developer/apps/{client_id}").get_data(as_text=True)
    developer.post(f"/developer/apps/{client_id}/rotate-secret", data={"csrf_token": csrf_token(page)})
    developer.post(f"/developer/apps/{client_id}/rotate-secret", data={"csrf_token": csrf_token(page)})
    assert len(pending_secrets()) == 1
    secret = shown(developer.get(f"/developer/apps/{client_id}/secret").get_data(as_text=True), "client-secret")
    assert db.session.execute(db.select(OAuthClient)).scalar_one().check_client_secret(secret)


def test_delete_app_removes_it_and_its_tokens(developer, auth, flow, seller):
    html = registered(developer, redirect_uris="https://app.example/callback").get_data(as_text=True)
    client_id = shown(html, "client-id")
    app = db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one()
    app.plain_secret = shown(html, "client-secret")
    flow(oauth_client=app).tokens()
    assert db.session.execute(db.select(Token)).first() is not None
    page = developer.get(f"/developer/apps/{client_id}/delete")
    response = developer.post(
        f"/developer/apps/{client_id}/delete",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "confirm": "yes"},
    )
    assert response.status_code == 302
    assert db.session.execute(db.select(OAuthClient)).first() is None
    assert db.session.execute(db.select(Token)).first() is None


def test_delete_app_asks_for_confirmation_on_its_own_page_first(developer, seller, make_client):
    client_id = make_client(name="Repricer Pro", owner=seller).client_id
    details = developer.get(f"/developer/apps/{client_id}").get_data(as_text=True)
    # The app's page only links to the confirmation: no form there deletes anything.
    assert f'action="/developer/apps/{client_id}/delete"' not in details
    assert (
        next(b for b in controls(details).buttons if b[1] == "Delete app")[2]["href"]
        == f"/developer/apps/{client_id}/delete"
    )

    confirm = developer.get(f"/developer/apps/{client_id}/delete")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "<h1>Delete Repricer Pro?</h1>" in html
    assert "ends the access of every seller who allowed it (0 sellers now)" in html and "This cannot be undone." in html
    assert f'<form method="post" action="/developer/apps/{client_id}/delete"' in html
    names = {name: attrs for _, name, attrs in controls(html).buttons}
    assert names["Delete Repricer Pro"].get("type") == "submit"
    assert names["Cancel"]["href"] == f"/developer/apps/{client_id}"
    assert 'name="confirm" type="hidden" value="yes"' in html and 'name="csrf_token"' in html
    assert_accessible(html)
    assert db.session.execute(db.select(OAuthClient)).first() is not None  # showing it deleted nothing

    # A POST that does not come from the confirmation page (the old one-click form) deletes nothing.
    one_click = developer.post(f"/developer/apps/{client_id}/delete", data={"csrf_token": csrf_token(html)})
    assert one_click.status_code == 303 and one_click.location == f"/developer/apps/{client_id}/delete"
    assert db.session.execute(db.select(OAuthClient)).first() is not None

    done = developer.post(
        f"/developer/apps/{client_id}/delete",
        data={"csrf_token": csrf_token(html), "confirm": "yes"},
        follow_redirects=True,
    )
    assert "The app Repricer Pro was deleted." in done.get_data(as_text=True)
    assert db.session.execute(db.select(OAuthClient)).first() is None


def test_the_delete_confirmation_counts_the_sellers_who_lose_access(developer, seller, make_client, flow):
    app = make_client(name="Repricer Pro", owner=seller)
    flow(oauth_client=app).tokens()
    page = developer.get(f"/developer/apps/{app.client_id}/delete").get_data(as_text=True)
    assert "(1 seller now)" in page


def test_deleting_an_app_whose_secret_was_not_shown_yet_removes_the_waiting_secret(developer):
    register(developer)
    client_id = db.session.execute(db.select(OAuthClient.client_id)).scalar_one()
    page = developer.get(f"/developer/apps/{client_id}/delete").get_data(as_text=True)
    developer.post(f"/developer/apps/{client_id}/delete", data={"csrf_token": csrf_token(page), "confirm": "yes"})
    assert db.session.execute(db.select(OAuthClient)).first() is None and pending_secrets() == []


def test_developer_pages_label_every_field_and_name_every_button(developer):
    assert_accessible(developer.get("/developer/apps/new").get_data(as_text=True))
    html = registered(developer).get_data(as_text=True)
    assert_accessible(html)
    client_id = shown(html, "client-id")
    assert_accessible(developer.get(f"/developer/apps/{client_id}").get_data(as_text=True))


def test_another_sellers_app_is_not_found(developer, make_seller, make_client):
    other = make_seller()
    app = make_client(owner=other)
    assert developer.get(f"/developer/apps/{app.client_id}").status_code == 404
    page = developer.get("/developer/apps")
    assert developer.get(f"/developer/apps/{app.client_id}/delete").status_code == 404
    assert developer.get(f"/developer/apps/{app.client_id}/secret").status_code == 404
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "confirm": "yes"}
    assert developer.post(f"/developer/apps/{app.client_id}/delete", data=data).status_code == 404
    assert db.session.get(OAuthClient, app.id) is not None


def test_developer_pages_need_a_login(client):
    assert client.get("/developer/apps").status_code == 302
    assert client.post("/developer/apps/new").status_code in (302, 400)
