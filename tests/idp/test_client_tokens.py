"""A client's own access token is self-contained (idp/oauth/client_tokens.py): nothing is stored
when it is issued, yet a forged, altered, expired, revoked or foreign one works nowhere."""

import base64
import secrets

import pytest

from idp.clock import now
from idp.digests import digest
from idp.extensions import db
from idp.models import RevokedClientToken, Token
from tests.support.oauth import basic_auth, bearer

SCOPE = "qsm.orders.read qsm.inventory"


@pytest.fixture
def machine(make_client):
    return make_client(redirect_uris=[], scope=SCOPE, grant_types=("client_credentials",))


@pytest.fixture
def other_machine(make_client):
    return make_client(name="Other", redirect_uris=[], scope=SCOPE, grant_types=("client_credentials",))


def client_token(client, machine, scope=SCOPE):
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        headers=basic_auth(machine.client_id, machine.plain_secret),
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def introspect(client, machine, token):
    response = client.post(
        "/oauth/introspect", data={"token": token}, headers=basic_auth(machine.client_id, machine.plain_secret)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def revoke(client, machine, token):
    response = client.post(
        "/oauth/revoke", data={"token": token}, headers=basic_auth(machine.client_id, machine.plain_secret)
    )
    assert response.status_code == 200, response.get_json()


def usable_at_the_api(client, token):
    """Whether the seller API takes the token as valid (it then refuses it: it acts for nobody)."""
    status = client.get("/api/v1/orders", headers=bearer(token)).status_code
    assert status in (401, 403), status
    return status == 403


def usable_at_userinfo(client, token):
    status = client.get("/oauth/userinfo", headers=bearer(token)).status_code
    assert status in (401, 403), status
    return status == 403  # valid, but a client's own token has no seller: insufficient_scope


def test_a_client_token_works_and_says_what_it_is(app, client, machine, clock):
    token = client_token(client, machine)
    assert token["expires_in"] == 3600 and token["scope"] == SCOPE
    assert introspect(client, machine, token["access_token"]) == {
        "active": True,
        "client_id": machine.client_id,
        "token_type": "Bearer",
        "scope": SCOPE,
        "iat": now(),
        "exp": now() + 3600,
        "iss": app.config["ISSUER"],
    }
    assert usable_at_userinfo(client, token["access_token"])
    assert usable_at_the_api(client, token["access_token"])


def test_nothing_is_stored_and_every_token_is_new(client, machine):
    values = {client_token(client, machine)["access_token"] for _ in range(3)}
    assert len(values) == 3
    assert db.session.execute(db.select(db.func.count()).select_from(Token)).scalar() == 0
    assert db.session.execute(db.select(db.func.count()).select_from(RevokedClientToken)).scalar() == 0


def test_it_expires(client, machine, clock):
    token = client_token(client, machine)["access_token"]
    clock.advance(3599)
    assert introspect(client, machine, token)["active"] is True
    clock.advance(1)
    assert introspect(client, machine, token) == {"active": False}
    assert not usable_at_userinfo(client, token)
    assert not usable_at_the_api(client, token)


def test_only_its_holder_learns_anything_or_revokes_it(client, machine, other_machine):
    token = client_token(client, machine)["access_token"]
    assert introspect(client, other_machine, token) == {"active": False}
    revoke(client, other_machine, token)  # 200, as for an unknown token, and nothing changes
    assert introspect(client, machine, token)["active"] is True
    assert db.session.execute(db.select(RevokedClientToken)).first() is None


def test_revoked_it_works_nowhere_and_revoking_again_is_harmless(client, machine):
    token = client_token(client, machine)["access_token"]
    kept = client_token(client, machine)["access_token"]
    revoke(client, machine, token)
    revoke(client, machine, token)
    assert introspect(client, machine, token) == {"active": False}
    assert not usable_at_userinfo(client, token)
    assert not usable_at_the_api(client, token)
    assert introspect(client, machine, kept)["active"] is True  # the client's other tokens live on
    row = db.session.execute(db.select(RevokedClientToken)).scalar_one()
    assert row.token_hash == digest(token) and row.client_pk == machine.id  # a digest, never the token
    assert introspect(client, machine, token) == {"active": False}


def test_an_expired_token_is_not_written_to_the_revocation_list(client, machine, clock):
    token = client_token(client, machine)["access_token"]
    clock.advance(3600)
    revoke(client, machine, token)
    assert db.session.execute(db.select(RevokedClientToken)).first() is None


def test_a_token_made_with_another_key_works_nowhere(app, client, machine):
    token = client_token(client, machine)["access_token"]
    app.config["SECRET_KEY"] = "another-" + secrets.token_hex(16)  # rotated: every client token ends
    assert introspect(client, machine, token) == {"active": False}
    assert not usable_at_userinfo(client, token)
    assert introspect(client, machine, client_token(client, machine)["access_token"])["active"] is True


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def altered(token, change):
    payload, mac = token.split(".")
    return f"{b64(change(unb64(payload).decode()).encode())}.{mac}"


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.replace(" qsm.orders.read qsm.inventory", " qsm.orders.read qsm.inventory openid"),
        lambda p: p.replace(p.split(" ")[3], str(int(p.split(" ")[3]) + 86400), 1),  # a longer life
        lambda p: p.replace(p.split(" ")[4], "A" * len(p.split(" ")[4])),  # another nonce
    ],
    ids=["wider scope", "later expiry", "other nonce"],
)
def test_an_altered_token_works_nowhere(client, machine, change):
    forged = altered(client_token(client, machine)["access_token"], change)
    assert introspect(client, machine, forged) == {"active": False}
    assert not usable_at_userinfo(client, forged)
    assert not usable_at_the_api(client, forged)


def test_a_token_moved_to_another_client_works_nowhere(client, machine, other_machine):
    token = client_token(client, machine)["access_token"]
    forged = altered(token, lambda p: p.replace(f"1 {machine.id} ", f"1 {other_machine.id} ", 1))
    assert introspect(client, other_machine, forged) == {"active": False}
    assert not usable_at_userinfo(client, forged)


@pytest.mark.parametrize(
    "value",
    [
        ".",
        "a.",
        ".b",
        "a.b",
        "a.b.c",
        "!!!.???",
        b64(b"1 1 1 99999999999 n qsm.orders.read") + ".",
        b64(b"2 1 1 99999999999 n s") + "." + b64(b"x" * 32),
        b64(b"1 x 1 99999999999 n s") + "." + b64(b"x" * 32),
        b64(b"1 1 1") + "." + b64(b"x" * 32),
        b64(b"1 999999999999 1 99999999999 n s") + "." + b64(b"x" * 32),  # beyond any client's id
        b64(b"1 \xd9\xa1 1 9 n s") + "." + b64(b"x" * 32),  # a digit, but not an ASCII one
        b64("1 1 1 9 n s \u00e9".encode()) + "." + b64(b"x" * 32),
        b64(b"\xff\xfe") + "." + b64(b"x" * 32),
        "A" * 1900 + "." + "B" * 43,
        "abc=.def",
    ],
    ids=lambda value: value[:40],
)
def test_what_only_looks_like_a_client_token_is_refused_plainly(client, machine, value):
    assert introspect(client, machine, value) == {"active": False}
    assert not usable_at_userinfo(client, value)
    assert not usable_at_the_api(client, value)
    revoke(client, machine, value)


def test_a_client_token_stored_before_tokens_were_self_contained_still_works(client, machine):
    """Tokens issued before the upgrade are rows (digests) and keep working until they expire."""
    value = secrets.token_urlsafe(32)
    t = now()
    db.session.add(
        Token(client_pk=machine.id, scope=SCOPE, access_token_hash=digest(value), issued_at=t, access_expires_at=t + 60)
    )
    db.session.commit()
    assert introspect(client, machine, value)["active"] is True
    assert usable_at_the_api(client, value)
    revoke(client, machine, value)
    assert introspect(client, machine, value) == {"active": False}
