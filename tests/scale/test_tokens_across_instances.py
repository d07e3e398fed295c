"""Codes, tokens and signing keys are database state, not process state: any instance redeems
what another issued, and the races between instances are settled by the database."""
import base64
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from .cluster import HTTP_TIMEOUT
from .conftest import introspect, redeem, refresh, sign_up_at_smartship

pytestmark = pytest.mark.live

PARALLEL_ATTEMPTS = 24  # half at each instance


def jwks(instance):
    response = requests.get(instance.url + "/oauth/jwks", timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    return response.json()


def kids(instance):
    return {key["kid"] for key in jwks(instance)["keys"]}


def id_token_kid(id_token):
    header = id_token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def at_both_instances_at_once(cluster, send, attempts=PARALLEL_ATTEMPTS):
    """Run ``send(base_url)`` ``attempts`` times, alternating instances, released together."""
    barrier = threading.Barrier(attempts, timeout=30)
    urls = [(cluster.qsm_a if i % 2 == 0 else cluster.qsm_b).url for i in range(attempts)]

    def attempt(url):
        barrier.wait()
        return send(url)

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        return list(pool.map(attempt, urls))


def family_of(cluster, access_token):
    from idp.digests import digest
    from idp.extensions import db
    from idp.models import Token

    with cluster.qsm_app.app_context():
        row = db.session.execute(db.select(Token).filter_by(access_token_hash=digest(access_token))).scalar_one()
        family = (row.family_id, row.family.revoked_reason)
        db.session.remove()
        return family


def test_code_from_instance_a_is_redeemed_at_instance_b(cluster, make_seller):
    seller = make_seller()
    seller.login(cluster.qsm_a.url)
    code, verifier, nonce = seller.authorize(cluster.qsm_a.url, cluster.rp)

    response = redeem(cluster.qsm_b.url, cluster.rp, code, verifier)

    assert response.status_code == 200, response.text
    tokens = response.json()
    # The ID token B signed validates against the keys A publishes, and names the one issuer.
    claims = jwt.decode(tokens["id_token"], KeySet.import_key_set(jwks(cluster.qsm_a))).claims
    assert claims["iss"] == cluster.issuer and claims["aud"] == [cluster.rp.client_id] and claims["nonce"] == nonce
    assert introspect(cluster.qsm_a.url, cluster.rp, tokens["access_token"])["active"] is True
    userinfo = requests.get(
        cluster.qsm_a.url + "/oauth/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=HTTP_TIMEOUT,
    )
    assert userinfo.status_code == 200 and userinfo.json()["email"] == seller.email


def test_one_code_redeemed_at_both_instances_at_once_succeeds_exactly_once(cluster, make_seller):
    """24 redemptions of one code, half at each instance, released together: the conditional
    UPDATE in redeem_authorization_code lets exactly one through. Every other attempt is a
    replay, and a replay revokes what the code issued (RFC 9700 4.4.1): so afterwards even the
    winner's access token is inactive."""
    seller = make_seller()
    seller.login(cluster.qsm_b.url)
    code, verifier, _ = seller.authorize(cluster.qsm_b.url, cluster.rp)

    responses = at_both_instances_at_once(cluster, lambda url: redeem(url, cluster.rp, code, verifier))

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1, statuses
    losers = [r for r in responses if r.status_code != 200]
    assert all(r.status_code == 400 and r.json()["error"] == "invalid_grant" for r in losers), [r.text for r in losers]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert introspect(cluster.qsm_a.url, cluster.rp, winner["access_token"]) == {"active": False}
    assert family_of(cluster, winner["access_token"])[1] == "code_reuse"


def test_refresh_token_used_at_both_instances_at_once_rotates_once_and_revokes_the_family(cluster, make_seller):
    """24 uses of one refresh token, half at each instance, released together.

    consume_refresh_token marks the token rotated with a conditional UPDATE: exactly one
    request wins and gets a new pair (200). Every other request finds it already rotated,
    which is what a stolen refresh token looks like (reuse), so the rules revoke the whole
    family: those requests get invalid_grant, and afterwards the winner's new refresh token
    and new access token are refused too. The client must send the seller through login
    again. The revocation is logged at WARNING ("token family <id> revoked: refresh_token_reuse"),
    which docs/deploy.md tells operators to watch.
    """
    seller = make_seller()
    seller.login(cluster.qsm_a.url)
    code, verifier, _ = seller.authorize(cluster.qsm_a.url, cluster.rp)
    first = redeem(cluster.qsm_a.url, cluster.rp, code, verifier).json()
    assert "refresh_token" in first

    responses = at_both_instances_at_once(cluster, lambda url: refresh(url, cluster.rp, first["refresh_token"]))

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1, statuses
    losers = [r for r in responses if r.status_code != 200]
    assert all(r.status_code == 400 and r.json()["error"] == "invalid_grant" for r in losers), [r.text for r in losers]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert winner["refresh_token"] != first["refresh_token"]

    again = refresh(cluster.qsm_b.url, cluster.rp, winner["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    for token in (winner["access_token"], first["access_token"]):
        assert introspect(cluster.qsm_b.url, cluster.rp, token) == {"active": False}
    family_id, reason = family_of(cluster, first["access_token"])
    assert reason == "refresh_token_reuse"

    def warning_logged():
        pattern = re.compile(rf"^token family {family_id} revoked: refresh_token_reuse$")
        return [
            r for i in (cluster.qsm_a, cluster.qsm_b) for r in i.log_records()
            if r.get("level") == "warning" and pattern.match(r.get("message", ""))
        ]

    logged = warning_logged()
    assert logged and all(r["site"] == "qsm" and r.get("request_id") for r in logged), logged


def test_rotated_keys_are_used_and_published_by_both_instances_within_the_cache_time(cluster, make_seller):
    """``flask --app wsgi:qsm keys rotate`` writes the new keys to the shared database; each
    process trusts its cached view for QSM_SIGNING_KEY_CACHE_SECONDS (2 here), so within that
    time both instances publish the new key; it signs from one cache period after the rotation,
    so within two periods both instances sign with it, and they keep publishing the old one.
    SmartShip, a client holding the old key set, still signs sellers in afterwards."""
    seller = make_seller()
    seller.login(cluster.qsm_a.url)
    before_a, before_b = kids(cluster.qsm_a), kids(cluster.qsm_b)
    assert before_a == before_b

    rotated = cluster.flask_cli("qsm", "keys", "rotate")
    rotated_at = time.monotonic()

    new_kids = set(rotated["active"])
    retired = {k["kid"] for k in rotated["retired"]}
    assert retired == {k for k in before_a if k not in new_kids} and len(new_kids) == 2
    new_rs256 = next(k for k in new_kids if k.startswith("rs256-"))
    cache_seconds = 2
    # Every request sent once the cache time has passed since the commit (the CLI has exited
    # by then, so ``rotated_at`` is later still) sees the new keys, whichever worker serves it.
    time.sleep(max(0.0, rotated_at + 2 * cache_seconds + 1.1 - time.monotonic()))
    for instance in (cluster.qsm_a, cluster.qsm_b):
        for _ in range(6):
            published = kids(instance)
            assert new_kids <= published and retired <= published, "retired keys stay published"
        for _ in range(3):
            code, verifier, _ = seller.authorize(instance.url, cluster.rp)
            tokens = redeem(instance.url, cluster.rp, code, verifier).json()
            assert id_token_kid(tokens["id_token"]) == new_rs256
            jwt.decode(tokens["id_token"], KeySet.import_key_set(jwks(cluster.qsm_a)))
    # SmartShip may hold the old JWKS from earlier sign-ups: an unknown kid makes it fetch again.
    for smartship in (cluster.smartship_a, cluster.smartship_b):
        sign_up_at_smartship(cluster, make_seller(), smartship)
