"""Developer registration: a seller registers an app, sees its secret once, rotates it, deletes the app."""
import re

import pytest

from idp.digests import digest
from idp.extensions import db
from idp.models import OAuthClient, Token
from tests.conftest import csrf_token


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


@pytest.fixture
def developer(client, seller, auth):
    auth.login()
    return client


def test_register_shows_client_id_and_secret_once_and_stores_only_a_digest(developer, seller):
    response = register(developer)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Copy the client secret now" in html
    client_id = re.search(r'data-testid="client-id">([^<]+)<', html).group(1)
    secret = re.search(r'data-testid="client-secret">([^<]+)<', html).group(1)
    app = db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one()
    assert app.client_secret_hash == digest(secret) and secret not in (app.client_secret_hash or "")
    assert app.owner_pk == seller.id and app.trusted is False
    assert app.backchannel_logout_uri == "https://repricer.example/backchannel-logout"
    assert secret not in developer.get(f"/developer/apps/{client_id}").get_data(as_text=True)
    assert "Repricer Pro" in developer.get("/developer/apps").get_data(as_text=True)


def test_a_public_app_has_no_secret(developer):
    html = register(developer, client_type="public").get_data(as_text=True)
    assert 'data-testid="client-secret"' not in html
    app = db.session.execute(db.select(OAuthClient)).scalar_one()
    assert app.token_endpoint_auth_method == "none" and app.client_secret_hash is None


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
    assert register(developer, redirect_uris=uri).status_code == 200


def test_back_channel_and_post_logout_uris_follow_the_same_rules(developer):
    assert register(developer, backchannel_logout_uri="http://evil.example/bc").status_code == 400
    assert register(developer, post_logout_redirect_uris="https://x.example/#f").status_code == 400


def test_openid_is_required(developer):
    response = register(developer, scopes=["profile"])
    assert response.status_code == 400 and "openid" in response.get_data(as_text=True)


def test_rotate_secret_replaces_the_old_one(developer):
    html = register(developer).get_data(as_text=True)
    client_id = re.search(r'data-testid="client-id">([^<]+)<', html).group(1)
    old = re.search(r'data-testid="client-secret">([^<]+)<', html).group(1)
    page = developer.get(f"/developer/apps/{client_id}")
    rotated = developer.post(f"/developer/apps/{client_id}/rotate-secret", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    new = re.search(r'data-testid="client-secret">([^<]+)<', rotated.get_data(as_text=True)).group(1)
    app = db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one()
    assert new != old and app.check_client_secret(new) and not app.check_client_secret(old)


def test_delete_app_removes_it_and_its_tokens(developer, auth, flow, seller):
    html = register(developer, redirect_uris="https://app.example/callback").get_data(as_text=True)
    client_id = re.search(r'data-testid="client-id">([^<]+)<', html).group(1)
    app = db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one()
    app.plain_secret = re.search(r'data-testid="client-secret">([^<]+)<', html).group(1)
    flow(oauth_client=app).tokens()
    assert db.session.execute(db.select(Token)).first() is not None
    page = developer.get(f"/developer/apps/{client_id}")
    response = developer.post(f"/developer/apps/{client_id}/delete", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert db.session.execute(db.select(OAuthClient)).first() is None
    assert db.session.execute(db.select(Token)).first() is None


def test_another_sellers_app_is_not_found(developer, make_seller, make_client):
    other = make_seller()
    app = make_client(owner=other)
    assert developer.get(f"/developer/apps/{app.client_id}").status_code == 404
    page = developer.get("/developer/apps")
    assert developer.post(f"/developer/apps/{app.client_id}/delete", data={"csrf_token": csrf_token(page.get_data(as_text=True))}).status_code == 404


def test_developer_pages_need_a_login(client):
    assert client.get("/developer/apps").status_code == 302
    assert client.post("/developer/apps/new").status_code in (302, 400)
