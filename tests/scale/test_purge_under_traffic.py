"""The purge (``flask --app wsgi:qsm purge``, from cron) keeps QSM's protocol tables flat while
both instances keep issuing codes and tokens.

Codes are kept an hour after they expire and families an hour after they start, so real time
cannot be waited for here. Instead, after each round of traffic, the rows that round made are
moved two hours into the past (what two hours of wall time would do to them), and the next
round's purge runs while that round's traffic is being served.
"""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import client_credentials, redeem, revoke

pytestmark = pytest.mark.live

ROUNDS = 4
TOKENS_PER_ROUND = 24  # client_credentials, half at each instance; every third one revoked
CODES_PER_ROUND = 6  # code flow (no offline_access: no refresh token to outlive the access token)
ROUND_TIMEOUT = 30
HOURS = 2 * 3600


def advance_time(cluster, client_pks, seconds):
    """Move every row of these clients ``seconds`` into the past."""
    from idp.extensions import db
    from idp.models import AuthorizationCode, RevokedClientToken, Token, TokenFamily

    with cluster.qsm_app.app_context():
        db.session.execute(
            db.update(RevokedClientToken)
            .where(RevokedClientToken.client_pk.in_(client_pks))
            .values(expires_at=RevokedClientToken.expires_at - seconds)
        )
        db.session.execute(
            db.update(Token).where(Token.client_pk.in_(client_pks)).values(
                issued_at=Token.issued_at - seconds,
                access_expires_at=Token.access_expires_at - seconds,
                refresh_expires_at=Token.refresh_expires_at - seconds,
            )
        )
        db.session.execute(
            db.update(TokenFamily)
            .where(TokenFamily.client_pk.in_(client_pks))
            .values(created_at=TokenFamily.created_at - seconds)
        )
        db.session.execute(
            db.update(AuthorizationCode).where(AuthorizationCode.client_pk.in_(client_pks)).values(
                expires_at=AuthorizationCode.expires_at - seconds,
                redeemed_at=AuthorizationCode.redeemed_at - seconds,
                auth_time=AuthorizationCode.auth_time - seconds,
            )
        )
        db.session.commit()
        db.session.remove()


def table_sizes(cluster, client_pks):
    from idp.extensions import db
    from idp.models import AuthorizationCode, RevokedClientToken, Token, TokenFamily

    with cluster.qsm_app.app_context():
        sizes = {
            model.__tablename__: db.session.execute(
                db.select(db.func.count()).select_from(model).where(model.client_pk.in_(client_pks))
            ).scalar()
            for model in (Token, TokenFamily, AuthorizationCode, RevokedClientToken)
        }
        db.session.remove()
        return sizes


def traffic_round(cluster, machine, rp, seller):
    """One round: tokens and codes at both instances. Returns how many of each were issued."""
    instances = [cluster.qsm_a, cluster.qsm_b]
    deadline = time.monotonic() + ROUND_TIMEOUT

    def machine_token(i):
        """1 if the token was revoked (at the other instance): its revocation is its only row."""
        assert time.monotonic() < deadline
        response = client_credentials(instances[i % 2].url, machine)
        assert response.status_code == 200, response.text
        if i % 3:
            return 0
        revoke(instances[(i + 1) % 2].url, machine, response.json()["access_token"])
        return 1

    with ThreadPoolExecutor(max_workers=4) as pool:
        revoked = sum(pool.map(machine_token, range(TOKENS_PER_ROUND)))
    codes = 0
    for i in range(CODES_PER_ROUND):
        assert time.monotonic() < deadline
        instance = instances[i % 2]
        code, verifier, _ = seller.authorize(instance.url, rp, scope="openid profile email")
        response = redeem(instances[(i + 1) % 2].url, rp, code, verifier)
        assert response.status_code == 200 and "refresh_token" not in response.json(), response.text
        codes += 1
    # A client's own token is stored nowhere unless revoked; each redeemed code starts a family.
    return {"tokens": codes, "token_families": codes, "authorization_codes": codes, "revoked_client_tokens": revoked}


def test_purge_keeps_tables_flat_under_steady_traffic(cluster, make_seller, make_client):
    machine = make_client("Purge machine")
    rp = make_client("Purge RP", grant_types=("authorization_code",), scope="openid profile email")
    pks = [machine.pk, rp.pk]
    seller = make_seller()
    seller.login(cluster.qsm_a.url)

    issued_before = None
    history = []
    for round_ in range(ROUNDS):
        purged = {}

        def purge(into):
            into.update(cluster.flask_cli("qsm", "purge", "--batch-size", "10"))

        purging = threading.Thread(target=purge, args=(purged,))
        purging.start()  # the cron job runs while the instances serve this round's traffic
        issued = traffic_round(cluster, machine, rp, seller)
        purging.join(ROUND_TIMEOUT)
        assert not purging.is_alive() and purged, "the purge did not finish"

        sizes = table_sizes(cluster, pks)
        history.append(sizes)
        # Only this round's rows are left: the purge took everything earlier, and nothing live.
        assert sizes == issued, (round_, sizes, issued)
        if issued_before is not None:
            for table, count in issued_before.items():
                assert purged[table] >= count, (round_, table, purged, issued_before)
        issued_before = issued
        advance_time(cluster, pks, HOURS)

    assert all(sizes == history[0] for sizes in history), history
