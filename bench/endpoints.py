"""Throughput and latency of QSM's hot endpoints under gunicorn: run by hand, never by pytest.

    python bench/endpoints.py [--requests 2000] [--concurrency 16] [--workers 2] [--threads 4]

Starts one QSM (``gunicorn -c deploy/gunicorn.conf.py wsgi:qsm``, production config) on a
fresh PostgreSQL database, registers a client and a seller, gets a seller's access token
through the real login and code flow, then measures, one after the other:

    token          POST /oauth/token (client_credentials)
    introspection  POST /oauth/introspect
    userinfo       GET  /oauth/userinfo
    jwks           GET  /oauth/jwks
    discovery      GET  /.well-known/openid-configuration

and prints requests per second and latency percentiles. Everything is stopped and the database
dropped at the end. See bench/README.md.
"""
import argparse
import base64
import hashlib
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench password 123"
REDIRECT_URI = "http://127.0.0.1:9/bench/callback"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def maintenance(pg_url, statement):
    import psycopg

    with psycopg.connect(pg_url, autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement)


def database_url(pg_url, name):
    parts = urlsplit(pg_url)
    return f"postgresql+psycopg://{parts.netloc}/{name}"


def set_up(db_url):
    """Tables, signing keys, a machine client, a relying party and a seller, in this process."""
    from idp import create_app
    from idp.auth.sellers import create_seller
    from idp.extensions import db
    from idp.oauth.clients import register_client
    from idp.oauth.keys import ensure_signing_keys

    app = create_app("testing", test_config={"SQLALCHEMY_DATABASE_URI": db_url})
    with app.app_context():
        db.create_all()
        ensure_signing_keys()
        machine, machine_secret = register_client(
            name="bench machine", redirect_uris=[], scope="qsm.orders.read", grant_types=("client_credentials",)
        )
        rp, rp_secret = register_client(name="bench rp", redirect_uris=[REDIRECT_URI], scope="openid profile email", trusted=True)
        email = f"bench-{secrets.token_hex(4)}@example.com"
        create_seller(email, PASSWORD, shop_name="Bench Shop", contact_name="Bench Seller")
        clients = {
            "machine": (machine.client_id, machine_secret),
            "rp": (rp.client_id, rp_secret),
            "seller": email,
        }
        db.session.remove()
        db.engine.dispose()
    return clients


def basic(client):
    return {"Authorization": "Basic " + base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()}


def seller_access_token(base_url, clients):
    """Log in through the form and run the code flow with PKCE, as a browser and an RP would."""
    http = requests.Session()
    page = http.get(base_url + "/login", timeout=10).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    login = http.post(base_url + "/login", data={"csrf_token": csrf, "email": clients["seller"], "password": PASSWORD}, allow_redirects=False, timeout=10)
    assert login.status_code == 302, login.status_code
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code", "client_id": clients["rp"][0], "redirect_uri": REDIRECT_URI, "scope": "openid profile email",
        "state": "s", "code_challenge": challenge, "code_challenge_method": "S256",
    }
    authorized = http.get(base_url + "/oauth/authorize", params=params, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(authorized.headers["Location"]).query)["code"][0]
    token = requests.post(
        base_url + "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
        headers=basic(clients["rp"]),
        timeout=10,
    )
    token.raise_for_status()
    return token.json()["access_token"]


def measure(name, send, total, concurrency, max_seconds):
    """``total`` calls of ``send(session)`` from ``concurrency`` threads, each with keep-alive."""
    latencies, errors = [], []
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds

    def worker():
        session = requests.Session()
        try:
            while time.monotonic() < deadline:
                with lock:
                    if next(counter, None) is None:
                        return
                started = time.perf_counter()
                try:
                    status = send(session).status_code
                except requests.RequestException as error:
                    status = type(error).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    (latencies if status == 200 else errors).append(elapsed if status == 200 else status)
        finally:
            session.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(worker) for _ in range(concurrency)]:
            future.result()
    wall = time.perf_counter() - started
    if not latencies:
        print(f"{name:<14} no successful request; errors: {errors[:5]}")
        return
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<14} {len(latencies) / wall:8.0f} req/s   p50 {cuts[49] * 1000:6.1f} ms   p95 {cuts[94] * 1000:6.1f} ms"
        f"   p99 {cuts[98] * 1000:6.1f} ms   ok {len(latencies)}   errors {len(errors)}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("QSM_SCALE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=60, help="per endpoint, whatever --requests says")
    args = parser.parse_args()

    name = f"qsm_bench_{secrets.token_hex(4)}"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    maintenance(args.postgres, f'CREATE DATABASE "{name}"')
    server = None
    try:
        db_url = database_url(args.postgres, name)
        clients = set_up(db_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QSM_", "GUNICORN_"))}
        env.update(
            QSM_ENV="production", QSM_SECRET_KEY=secrets.token_urlsafe(48), QSM_DATABASE_URL=db_url, QSM_ISSUER=base_url,
            QSM_SESSION_COOKIE_SECURE="0", QSM_BCRYPT_ROUNDS="4", QSM_LOG_REQUESTS="0",
            GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(args.workers), GUNICORN_THREADS=str(args.threads),
            PYTHONPATH=str(ROOT),
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "wsgi:qsm"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        for _ in range(150):
            try:
                if requests.get(base_url + "/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("QSM did not become ready")
        access_token = seller_access_token(base_url, clients)
        machine = basic(clients["machine"])
        bearer = {"Authorization": f"Bearer {access_token}"}
        print(f"QSM at {base_url}: {args.workers} workers x {args.threads} threads, {args.concurrency} concurrent clients")
        cases = [
            ("token", lambda s: s.post(base_url + "/oauth/token", data={"grant_type": "client_credentials"}, headers=machine, timeout=10)),
            ("introspection", lambda s: s.post(base_url + "/oauth/introspect", data={"token": access_token}, headers=basic(clients["rp"]), timeout=10)),
            ("userinfo", lambda s: s.get(base_url + "/oauth/userinfo", headers=bearer, timeout=10)),
            ("jwks", lambda s: s.get(base_url + "/oauth/jwks", timeout=10)),
            ("discovery", lambda s: s.get(base_url + "/.well-known/openid-configuration", timeout=10)),
        ]
        for case, send in cases:
            measure(case, send, args.requests, args.concurrency, args.max_seconds)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(10)
        maintenance(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
