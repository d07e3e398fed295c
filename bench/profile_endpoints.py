"""CPU per request of QSM's hot endpoints, in-process, with a profile of where it goes.

    python bench/profile_endpoints.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/qsm_profile
    python bench/profile_endpoints.py --endpoints token_cc,introspect --requests 3000 --top 25

Where ``endpoints.py`` measures what a client sees (rps, latency) under load, this measures what
a request costs the server's CPU: QSM built in this process with its production settings, each
request sent straight to the WSGI app (the whole stack: request log, machine endpoints, Flask),
the time counted with ``time.thread_time`` so that waiting on the database or Redis does not
count but the driver's own work does. It needs no load generator and little quiet: the figures
move much less than rps do when something else runs on the machine, so a change can be judged
by them before the load test confirms it.

The database given is emptied (every QSM table dropped, then migrated from nothing): use one of
its own. Redis (``--redis-url``) is optional, as in production it carries only rate limits.
"""
import argparse
import base64
import cProfile
import hashlib
import io
import json
import os
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENDPOINTS = ("floor", "token_cc", "token_refresh", "introspect", "userinfo", "discovery", "jwks", "login")
REDIRECT_URI = "http://127.0.0.1:9/callback"  # never called: the code is read off the Location header
ISSUER = "http://127.0.0.1:5000"


def production_environment(args, instance):
    for name in [name for name in os.environ if name.startswith("QSM_")]:
        del os.environ[name]
    os.environ.update(
        QSM_ENV="production",
        QSM_DATABASE_URL=args.database_url,
        QSM_ISSUER=ISSUER,
        QSM_SECRET_KEY=secrets.token_urlsafe(48),
        QSM_KEY_ENCRYPTION_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        QSM_SESSION_COOKIE_SECURE="0",
        QSM_BCRYPT_ROUNDS="4",
        QSM_CONNECT_INSTANCE=instance,
        QSM_LOG_REQUESTS="1" if args.log_requests else "0",
    )
    if args.redis_url:
        os.environ["QSM_REDIS_URL"] = args.redis_url


def build(args):
    from idp import create_app
    from idp.extensions import db

    app = create_app()
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    cli = app.test_cli_runner()

    def flask(*arguments):
        result = cli.invoke(args=list(arguments))
        if result.exit_code != 0:
            raise SystemExit(f"flask {' '.join(arguments[:2])} failed: {result.output}{result.exception or ''}")
        return result.output

    flask("db", "upgrade")
    flask("keys", "ensure")
    password = secrets.token_urlsafe(18)
    flask("sellers", "create", "--email", "profile@example.com", "--password", password,
          "--shop-name", "Profile Shop", "--contact-name", "Profile Seller")
    created = json.loads(flask(
        "clients", "create", "--name", "Profile", "--redirect-uri", REDIRECT_URI, "--trusted",
        "--grant-type", "authorization_code", "--grant-type", "refresh_token", "--grant-type", "client_credentials",
        "--scope", "openid profile email offline_access"))
    return app, (created["client_id"], created["client_secret"]), password


def basic(client):
    return "Basic " + base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()


def code_flow_tokens(app, client, password, count):
    """``count`` token responses from real code flows (login form, authorize, code exchange)."""
    http = app.test_client()
    page = http.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    answer = http.post("/login", data={"csrf_token": csrf, "email": "profile@example.com", "password": password})
    assert answer.status_code == 302, answer.status_code
    tokens = []
    for _ in range(count):
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        answer = http.get("/oauth/authorize?" + urlencode({
            "response_type": "code", "client_id": client[0], "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email offline_access", "state": "s", "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge, "code_challenge_method": "S256"}))
        code = parse_qs(urlsplit(answer.headers.get("Location", "")).query).get("code", [None])[0]
        if code is None:
            raise SystemExit(f"authorize answered {answer.status_code} {answer.headers.get('Location')}")
        answer = http.post("/oauth/token", headers={"Authorization": basic(client)}, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        tokens.append(answer.get_json())
    return tokens


def environ(method, path, headers=(), body=b""):
    base = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:5000", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }
    for name, value in headers:
        base["HTTP_" + name.upper().replace("-", "_")] = value
    if body:
        base["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        base["CONTENT_LENGTH"] = str(len(body))
    return base, body


def requests_for(name, app, client, password, count):
    """``count`` (environ, body) pairs for one endpoint; each refresh spends a token of its own."""
    auth = ("Authorization", basic(client))
    if name == "floor":
        return [environ("GET", "/healthz")] * count
    if name == "discovery":
        return [environ("GET", "/.well-known/openid-configuration")] * count
    if name == "jwks":
        return [environ("GET", "/oauth/jwks")] * count
    if name == "token_cc":
        return [environ("POST", "/oauth/token", [auth], b"grant_type=client_credentials")] * count
    if name == "introspect":
        token = code_flow_tokens(app, client, password, 1)[0]["access_token"]
        return [environ("POST", "/oauth/introspect", [auth], urlencode({"token": token}).encode())] * count
    if name == "userinfo":
        token = code_flow_tokens(app, client, password, 1)[0]["access_token"]
        return [environ("GET", "/oauth/userinfo", [("Authorization", "Bearer " + token)])] * count
    if name == "token_refresh":
        tokens = code_flow_tokens(app, client, password, count)
        return [environ("POST", "/oauth/token", [auth], urlencode(
            {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}).encode()) for token in tokens]
    if name == "login":  # each a new visitor: the form's GET (its cookie and CSRF token) is not timed
        return [login_request(app, password) for _ in range(count)]
    raise ValueError(name)


def login_request(app, password):
    http = app.test_client()
    page = http.get("/login")
    csrf = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    cookie = page.headers["Set-Cookie"].split(";")[0]
    body = urlencode({"csrf_token": csrf, "email": "profile@example.com", "password": password}).encode()
    return environ("POST", "/login", [("Cookie", cookie)], body)


def call(app, pair):
    base, body = pair
    request = dict(base, **{"wsgi.input": io.BytesIO(body)})
    status = []
    chunks = app(request, lambda s, h, exc_info=None: status.append(s))
    b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    if not status[0].startswith(("200", "302")):
        raise SystemExit(f"{request['PATH_INFO']} answered {status[0]}")


def measure(app, name, pairs, warmup, requests, top):
    """Time ``requests`` requests after ``warmup``; then, with ``top``, profile the rest (or the
    timed ones again: only a refresh spends what it sends)."""
    for pair in pairs[:warmup]:
        call(app, pair)
    timed = pairs[warmup:warmup + requests]
    started_cpu, started_wall = time.thread_time(), time.perf_counter()
    for pair in timed:
        call(app, pair)
    cpu = (time.thread_time() - started_cpu) / len(timed) * 1e6
    wall = (time.perf_counter() - started_wall) / len(timed) * 1e6
    print(f"{name:<14} cpu {cpu:8.1f} us/request   wall {wall:8.1f} us/request   ({len(timed)} requests)")
    if top:
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
        for pair in pairs[warmup + requests:] or timed:
            call(app, pair)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(top)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL (or SQLite) URL QSM may empty")
    parser.add_argument("--redis-url", help="Redis for rate limits (optional)")
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--top", type=int, default=0, help="also profile, printing this many functions")
    parser.add_argument("--log-requests", action="store_true", help="write the JSON request log line (to stderr)")
    args = parser.parse_args()
    names = [name for name in args.endpoints.split(",") if name]
    unknown = set(names) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="qsm-profile-") as instance:
        production_environment(args, instance)
        app, client, password = build(args)
        for name in names:
            count = args.warmup + args.requests * (2 if args.top and name == "token_refresh" else 1)
            pairs = requests_for(name, app, client, password, count)
            measure(app, name, pairs, args.warmup, args.requests, args.top)


if __name__ == "__main__":
    main()
