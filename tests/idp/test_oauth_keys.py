"""ID token signing keys: kept in the database, RS256 by default and ES256 on request,
rotated with retired keys published until every token they signed has expired."""
import json

import pytest
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from idp.extensions import db
from idp.models import SigningKey
from idp.oauth import keys
from tests.support.oauth import decode_id_token


def header_of(id_token):
    return jws.extract_compact(id_token.encode()).protected


def published_kids(client):
    return {k["kid"] for k in client.get("/oauth/jwks").get_json()["keys"]}


def test_keys_are_stored_in_the_database_and_survive_a_restart(app, client):
    first = published_kids(client)
    rows = db.session.execute(db.select(SigningKey)).scalars().all()
    assert {r.kid for r in rows} == first
    assert {r.alg for r in rows} == {"RS256", "ES256"}
    assert all("d" in json.loads(keys.key_vault.decrypt(r.private_jwk)) for r in rows)
    keys.invalidate_cache()  # what a new process sees: the same keys, read back
    assert published_kids(client) == first


def test_a_missing_algorithm_gets_a_key_even_when_another_is_active(app, client, seller, auth, flow):
    published_kids(client)
    db.session.execute(db.delete(SigningKey).where(SigningKey.alg == "ES256"))
    db.session.commit()
    keys.invalidate_cache()
    auth.login()
    tokens = flow(trusted=True, id_token_signed_response_alg="ES256").tokens()
    assert header_of(tokens["id_token"])["alg"] == "ES256"


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_id_token_is_signed_with_the_clients_algorithm(client, seller, auth, flow, alg):
    auth.login()
    tokens = flow(trusted=True, id_token_signed_response_alg=alg).tokens()
    header = header_of(tokens["id_token"])
    assert header["alg"] == alg
    assert header["kid"] in published_kids(client)
    assert decode_id_token(client, tokens["id_token"]).header["alg"] == alg


def test_rs256_is_the_default(client, seller, auth, flow):
    auth.login()
    assert header_of(flow(trusted=True).tokens()["id_token"])["alg"] == "RS256"


def test_rotation_keeps_old_tokens_verifiable_until_they_expire(app, client, seller, auth, flow, clock):
    auth.login()
    f = flow(trusted=True)
    old_token = f.tokens()["id_token"]
    old_kid = header_of(old_token)["kid"]
    old_exp = decode_id_token(client, old_token).claims["exp"]

    made, retired = keys.rotate_signing_keys()
    assert {k.alg for k in made} == {"RS256", "ES256"} and old_kid in {k.kid for k in retired}
    assert all(k.publish_until >= old_exp for k in retired)

    # Published at once, but the old key signs until every instance can publish the new one.
    assert {k.kid for k in made} <= published_kids(client)
    assert header_of(f.tokens()["id_token"])["kid"] == old_kid
    clock.advance(app.config["SIGNING_KEY_CACHE_SECONDS"])
    keys.invalidate_cache()
    new_token = f.tokens()["id_token"]
    assert header_of(new_token)["kid"] in {k.kid for k in made}
    assert old_kid in published_kids(client)
    decode_id_token(client, old_token)  # still verifies after rotation
    decode_id_token(client, new_token)

    clock.advance(old_exp - clock.time() - 1)
    assert keys.purge_expired_keys() == 0
    keys.invalidate_cache()
    assert old_kid in published_kids(client)

    clock.advance(max(k.publish_until for k in retired) - clock.time() + 1)
    keys.invalidate_cache()
    assert old_kid not in published_kids(client)
    assert keys.purge_expired_keys() == 2
    assert db.session.execute(db.select(SigningKey).filter_by(kid=old_kid)).scalar_one_or_none() is None
    assert len(published_kids(client)) == 2
    with pytest.raises(JoseError):
        decode_id_token(client, old_token)


def test_purge_keeps_active_keys_and_unexpired_retired_keys(app, client, clock):
    published_kids(client)
    _, retired = keys.rotate_signing_keys()
    retired[0].publish_until = int(clock.time()) - 1
    db.session.commit()
    assert keys.purge_expired_keys() == 1
    assert db.session.execute(db.select(db.func.count()).select_from(SigningKey)).scalar() == 3


def test_other_processes_see_a_rotation_within_the_cache_lifetime(app, client, clock):
    before = published_kids(client)
    keys.rotate_signing_keys()
    rows = db.session.execute(db.select(SigningKey.kid)).scalars().all()
    # Simulate a rotation done by another process: this one's cache still holds the old view.
    app.extensions["qsm_signing_keys"]["view"] = keys.KeyView(
        db.session.execute(db.select(SigningKey).where(SigningKey.kid.in_(before))).scalars().all(), int(clock.time())
    )
    assert published_kids(client) == before
    clock.advance(app.config["SIGNING_KEY_CACHE_SECONDS"])
    assert published_kids(client) == set(rows)


def test_jwks_is_a_valid_key_set(client):
    key_set = KeySet.import_key_set(client.get("/oauth/jwks").get_json())
    assert {key.alg for key in key_set.keys} == {"RS256", "ES256"}


def test_private_keys_are_stored_encrypted(app, client):
    client.get("/oauth/jwks")
    rows = db.session.execute(db.select(SigningKey)).scalars().all()
    assert rows
    for row in rows:
        # Whoever reads the table or a backup sees a Fernet token, no key material.
        assert row.private_jwk.startswith("gAAAA") and '"d"' not in row.private_jwk
        assert '"d"' in keys.key_vault.decrypt(row.private_jwk)


def test_tokens_are_signed_with_the_decrypted_key_and_verify_against_the_jwks(app, client):
    key_set = KeySet.import_key_set(client.get("/oauth/jwks").get_json())
    from joserfc import jwt

    key = keys.active_key("ES256")
    token = jwt.encode({"alg": "ES256", "kid": key.kid}, {"sub": "x"}, key)
    assert jwt.decode(token, key_set).claims == {"sub": "x"}


def test_keys_can_be_reencrypted_with_a_new_key_encryption_key(app, client):
    from cryptography.fernet import Fernet

    client.get("/oauth/jwks")
    published = client.get("/oauth/jwks").get_json()
    old_key = app.config["KEY_ENCRYPTION_KEYS"]
    new_key = Fernet.generate_key().decode()
    app.config["KEY_ENCRYPTION_KEYS"] = f"{new_key},{old_key}"
    app.extensions.pop("vault:KEY_ENCRYPTION_KEYS", None)
    result = app.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert result.exit_code == 0, result.output
    # The old key can go: everything decrypts with the new one alone.
    app.config["KEY_ENCRYPTION_KEYS"] = new_key
    app.extensions.pop("vault:KEY_ENCRYPTION_KEYS", None)
    keys.invalidate_cache()
    assert client.get("/oauth/jwks").get_json() == published


def test_a_key_stored_before_encryption_still_signs_until_reencrypted(app, client):
    import logging

    class Records(logging.Handler):
        messages = []

        def emit(self, record):
            self.messages.append(record.getMessage())

    records = Records()
    app.logger.addHandler(records)
    client.get("/oauth/jwks")
    row = db.session.execute(db.select(SigningKey).filter_by(alg="RS256")).scalars().first()
    row.private_jwk = keys.key_vault.decrypt(row.private_jwk)  # as an older release stored it
    db.session.commit()
    keys.invalidate_cache()
    assert row.kid in {k["kid"] for k in client.get("/oauth/jwks").get_json()["keys"]}
    app.logger.removeHandler(records)
    assert any("stored unencrypted" in message for message in records.messages)
    app.test_cli_runner().invoke(args=["keys", "reencrypt"])
    db.session.refresh(row)
    assert row.private_jwk.startswith("gAAAA")
    assert json.loads(keys.key_vault.decrypt(row.private_jwk))["kid"] == row.kid
