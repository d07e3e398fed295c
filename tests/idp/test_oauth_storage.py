"""Codes, access tokens, refresh tokens and client secrets are stored only as digests."""
from idp.digests import digest
from idp.extensions import db
from idp.models import AuthorizationCode, OAuthClient, Token
from idp.oauth.clients import rotate_client_secret
from tests.support.oauth import basic_auth


def every_stored_value():
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(db.select(table)).all():
            for value in row:
                if value is not None:
                    yield table.name, str(value)


def test_no_secret_is_stored_in_plaintext_anywhere(seller, auth, client, flow, make_client):
    auth.login()
    f = flow(trusted=True)
    code = f.get_code(scope="openid email offline_access")
    tokens = f.exchange(code).get_json()
    refreshed = f.token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).get_json()
    service = make_client(grant_types=("client_credentials",), scope="qsm.orders.read")
    service_token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic_auth(service.client_id, service.plain_secret),
    ).get_json()["access_token"]
    rotated_secret = rotate_client_secret(service)

    secrets = {
        "code": code,
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "refreshed access_token": refreshed["access_token"],
        "refreshed refresh_token": refreshed["refresh_token"],
        "client_credentials token": service_token,
        "client secret": f.oauth_client.plain_secret,
        "rotated client secret": rotated_secret,
        "PKCE verifier": f.verifier,
    }
    db.session.expire_all()
    for table, value in every_stored_value():
        for name, secret in secrets.items():
            assert secret not in value, f"{name} stored in plaintext in {table}"

    # ...and what is stored is the digest, so each one can still be found.
    assert db.session.execute(db.select(AuthorizationCode).filter_by(code_hash=digest(code))).scalar_one()
    assert db.session.execute(
        db.select(Token).filter_by(refresh_token_hash=digest(refreshed["refresh_token"]))
    ).scalar_one()
    assert db.session.execute(db.select(OAuthClient).filter_by(client_secret_hash=digest(rotated_secret))).scalar_one()


def test_the_old_secret_stops_working_after_rotation(client, make_client):
    service = make_client(grant_types=("client_credentials",), scope="qsm.orders.read")
    old = service.plain_secret
    new = rotate_client_secret(service)
    data = {"grant_type": "client_credentials"}
    assert client.post("/oauth/token", data=data, headers=basic_auth(service.client_id, old)).status_code == 401
    assert client.post("/oauth/token", data=data, headers=basic_auth(service.client_id, new)).status_code == 200
