"""SIGKILL of a whole QSM instance (master and workers) in the middle of a stream of token
requests: every token a client was given still works at the other instance, and the database
holds no half-made grant. A client's own token is self-contained: issuing it writes nothing, so a
request killed mid-way leaves nothing behind (grants of a seller write their family and token in
one transaction: tests/idp/test_oauth_transactions.py)."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .conftest import client_credentials, introspect, wait_until

pytestmark = pytest.mark.live

LOAD_THREADS = 6
MAX_REQUESTS_PER_THREAD = 300
MAX_LOAD_SECONDS = 20
TOKENS_BEFORE_KILL = 40


def grant_rows(cluster, client_pk):
    from idp.extensions import db
    from idp.models import Token, TokenFamily

    with cluster.qsm_app.app_context():
        tokens = db.session.execute(
            db.select(db.func.count()).select_from(Token).where(Token.client_pk == client_pk)
        ).scalar()
        families = db.session.execute(
            db.select(db.func.count()).select_from(TokenFamily).where(TokenFamily.client_pk == client_pk)
        ).scalar()
        orphan_tokens = db.session.execute(
            db.select(db.func.count())
            .select_from(Token)
            .outerjoin(TokenFamily, Token.family_id == TokenFamily.id)
            .where(Token.family_id.is_not(None), TokenFamily.id.is_(None))
        ).scalar()
        empty_families = db.session.execute(
            db.select(db.func.count())
            .select_from(TokenFamily)
            .where(
                TokenFamily.client_pk == client_pk,
                ~db.select(Token.id).where(Token.family_id == TokenFamily.id).exists(),
            )
        ).scalar()
        db.session.remove()
        return tokens, families, orphan_tokens, empty_families


def test_sigkill_under_load_loses_no_issued_token_and_leaves_no_half_made_rows(cluster, make_client):
    machine = make_client("SIGKILL load")
    issued = []  # access tokens whose 200 response arrived
    failures = []
    killed = threading.Event()
    lock = threading.Lock()
    stop_at = time.monotonic() + MAX_LOAD_SECONDS

    def load():
        http = requests.Session()
        try:
            for _ in range(MAX_REQUESTS_PER_THREAD):
                if time.monotonic() > stop_at:
                    return
                try:
                    response = client_credentials(cluster.qsm_a.url, machine, timeout=5, session=http)
                except requests.RequestException as error:
                    failures.append((killed.is_set(), type(error).__name__))
                    if killed.is_set():
                        return
                    continue
                if response.status_code == 200:
                    with lock:
                        issued.append(response.json()["access_token"])
                else:
                    failures.append((killed.is_set(), response.status_code))
        finally:
            http.close()

    try:
        with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
            running = [pool.submit(load) for _ in range(LOAD_THREADS)]
            wait_until(lambda: len(issued) >= TOKENS_BEFORE_KILL, 15, interval=0.02, message="tokens before the kill")
            doomed = cluster.qsm_a.pids()
            assert len(doomed) >= 3, doomed  # the master and its two workers
            killed.set()  # before the signal: an error seen from here on may be the kill's
            cluster.qsm_a.kill()
            for future in running:
                future.result(timeout=MAX_LOAD_SECONDS + 10)

        assert not any(pid in cluster.qsm_a.pids() for pid in doomed)
        assert failures and all(after_kill and isinstance(error, str) for after_kill, error in failures), failures
        received = list(issued)
        assert len(received) >= TOKENS_BEFORE_KILL

        def active_at_b(token):
            return introspect(cluster.qsm_b.url, machine, token)["active"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert all(pool.map(active_at_b, received)), "a token whose response arrived does not work at B"

        tokens, families, orphan_tokens, empty_families = grant_rows(cluster, machine.pk)
        assert orphan_tokens == 0 and empty_families == 0
        # Every token received works at B though neither instance stored it.
        assert families == 0 and tokens == 0, (tokens, families, len(received))
    finally:
        cluster.qsm_a.restart()  # the other tests (in any order) have both instances again
