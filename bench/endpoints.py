"""QSM's hot endpoints under load, as production serves them: run by hand before a release, never by pytest.

    python bench/endpoints.py                                   # every endpoint, 2 s + 10 s each
    python bench/endpoints.py --endpoints floor,token_cc --warmup 1 --duration 3
    python bench/endpoints.py --server-cmd "granian --interface wsgi --workers 1 --blocking-threads 4 \\
        --host 127.0.0.1 --port {port} wsgi:qsm" --json /tmp/bench.json

Starts a private PostgreSQL cluster (synchronous_commit=on) and a private Redis, both pinned
with taskset to the server CPU, sets QSM up with its own CLI (migrations, signing keys, a seller,
a trusted client), starts QSM with the production server command (QSM_ENV=production) on the same
CPU, and loads one endpoint at a time with wrk pinned to the other CPU. Prints one line per
endpoint (rps, p50, p99, requests, non-2xx answers, socket errors, rps / floor rps) and, for
`login`, the cost of a password login against bcrypt alone. Everything it started is stopped and
removed at the end, also on Ctrl-C. Exit status 1 when any answer was not 2xx (302 for a login),
a socket error or a failed check occurred, or the refresh tokens ran out in a timed run. See
bench/README.md.
"""
import argparse
import base64
import hashlib
import json
import math
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).resolve().with_name("wrk_bench.lua")
ENDPOINTS = ("floor", "token_cc", "token_refresh", "discovery", "jwks", "introspect", "userinfo", "login")
DEFAULT_SERVER_CMD = "python -m siteops.serve --bind 127.0.0.1:{port} wsgi:qsm"
REDIRECT_URI = "http://127.0.0.1:9/bench/callback"  # never contacted: the code is read from the 302
SELLER_EMAIL = "bench-seller@example.com"
POOL_MARGIN = 1.25  # refresh tokens minted per expected request
REFRESH_ATTEMPTS = 3  # timed runs of token_refresh, while its pool runs out


class BenchError(Exception):
    """Something the benchmark needs did not work: reported, and everything is cleaned up."""


# ---------------------------------------------------------------------------------------------
# Command line and prerequisites


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Endpoints: " + ", ".join(ENDPOINTS),
    )
    parser.add_argument("--server-cmd", default=DEFAULT_SERVER_CMD,
                        help="how production starts QSM; {port} is replaced, a leading `python` is this"
                             " interpreter (default: %(default)s)")
    parser.add_argument(
        "--endpoints", default=",".join(ENDPOINTS), help="comma-separated subset, run in the order listed below"
    )
    parser.add_argument("--server-cpus", default="0", help="taskset CPU list for QSM, PostgreSQL and Redis (default 0)")
    parser.add_argument("--wrk-cpus", default="1", help="taskset CPU list for wrk and this script (default 1)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (default 16)")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of unrecorded load before each run (default 2; 0: none)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of the timed run per endpoint (default 10)")
    parser.add_argument("--bcrypt-rounds", type=int, default=10, help="QSM_BCRYPT_ROUNDS (default 10)")
    parser.add_argument(
        "--refresh-rate",
        type=float,
        default=100,
        help="expected token_refresh requests per second: sizes the pool of refresh tokens (default 100)",
    )
    parser.add_argument(
        "--mint-concurrency", type=int, default=8, help="code flows in flight while minting (default 8)"
    )
    parser.add_argument("--logins", type=int, default=20, help="sequential password logins for `login` (default 20)")
    parser.add_argument(
        "--synchronous-commit", default="on", choices=("on", "off", "local", "remote_write", "remote_apply")
    )
    parser.add_argument(
        "--pg-user", default="benchpg", help="runs PostgreSQL when this script runs as root (default benchpg)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--logs", metavar="DIR", help="copy the server, PostgreSQL and Redis logs to DIR at the end")
    args = parser.parse_args(argv)
    args.endpoints = [name.strip() for name in args.endpoints.replace(" ", ",").split(",") if name.strip()]
    unknown = sorted(set(args.endpoints) - set(ENDPOINTS))
    if unknown:
        parser.error(f"unknown endpoints {unknown}; choose from {', '.join(ENDPOINTS)}")
    args.endpoints = [name for name in ENDPOINTS if name in args.endpoints]
    if "{port}" not in args.server_cmd:
        parser.error("--server-cmd must contain {port}")
    return args


def cpu_set(spec):
    """'0', '0,2', '1-3' as taskset -c reads them."""
    cpus = set()
    for part in spec.split(","):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


def postgres_bin():
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise BenchError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin): apt-get install -y postgresql")
    return found[-1].parent


def check_prerequisites(args):
    for tool, package in (("wrk", "wrk"), ("redis-server", "redis-server"), ("taskset", "util-linux")):
        if shutil.which(tool) is None:
            raise BenchError(f"{tool} is not installed: apt-get install -y {package}")
    allowed = os.sched_getaffinity(0)
    for option in ("server_cpus", "wrk_cpus"):
        if not cpu_set(getattr(args, option)) <= allowed:
            raise BenchError(
                f"--{option.replace('_', '-')} {getattr(args, option)}: this machine offers CPUs {sorted(allowed)}"
            )
    if cpu_set(args.server_cpus) & cpu_set(args.wrk_cpus):
        print("# WARNING: server and wrk share a CPU: the load generator takes time from the server", file=sys.stderr)
    return postgres_bin()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pinned(cpus, command):
    return ["taskset", "-c", cpus, *command]


# ---------------------------------------------------------------------------------------------
# The stack: PostgreSQL, Redis and QSM, private to this run


class Stack:
    """Everything this run starts, in one temporary folder; stop() undoes all of it."""

    def __init__(self, args, pg_bin):
        self.args, self.pg_bin = args, pg_bin
        self.dir = Path(tempfile.mkdtemp(prefix="qsm-bench-"))
        self.pg_dir = self.dir / "postgres"
        self.ports = {"qsm": free_port(), "postgres": free_port(), "redis": free_port()}
        self.base_url = f"http://127.0.0.1:{self.ports['qsm']}"
        self.server_cmd = args.server_cmd.replace("{port}", str(self.ports["qsm"]))
        self.server_argv = server_argv(self.server_cmd)
        self.postgres_started = False
        self.redis = self.server = None

    # PostgreSQL ------------------------------------------------------------------------------

    def as_pg_user(self, command):
        # initdb refuses to run as root: a root run hands the cluster to an ordinary user.
        if os.geteuid() != 0:
            return command
        return ["runuser", "-u", self.args.pg_user, "--", *command]

    def start_postgres(self):
        if os.geteuid() == 0:
            ensure_user(self.args.pg_user)
            os.chmod(self.dir, 0o711)
        self.pg_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pg_dir, self.args.pg_user, self.args.pg_user)
        run(self.as_pg_user([str(self.pg_bin / "initdb"), "-D", str(self.pg_dir / "data"), "-U", "postgres",
                             "--auth=trust", "-E", "UTF8", "--no-sync"]), "initdb")
        # Checkpoints and any statement slower than half a second go to the log (--logs keeps
        # it): a stall during a run shows there with its cause, beside QSM's 503 lines.
        options = (f"-p {self.ports['postgres']} -k {self.pg_dir} -c listen_addresses=127.0.0.1 "
                   f"-c synchronous_commit={self.args.synchronous_commit} -c log_checkpoints=on "
                   "-c log_min_duration_statement=500 -c log_lock_waits=on")
        self.postgres_started = True
        run(pinned(self.args.server_cpus, self.as_pg_user([
            str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_dir / "data"), "-l", str(self.pg_dir / "postgres.log"),
            "-o", options, "-w", "-t", "30", "start"])), "pg_ctl start")
        run(
            [
                str(self.pg_bin / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.ports["postgres"]),
                "-U",
                "postgres",
                "qsm",
            ],
            "createdb",
        )

    def stop_postgres(self):
        if not self.postgres_started:
            return
        pg_ctl = [str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_dir / "data"), "-t", "15"]
        if subprocess.run(self.as_pg_user([*pg_ctl, "-m", "fast", "stop"]), capture_output=True).returncode != 0:
            subprocess.run(self.as_pg_user([*pg_ctl, "-m", "immediate", "stop"]), capture_output=True)

    # Redis -----------------------------------------------------------------------------------

    def start_redis(self):
        with open(self.dir / "redis.log", "wb") as log:
            self.redis = subprocess.Popen(
                pinned(
                    self.args.server_cpus,
                    [
                        "redis-server",
                        "--port",
                        str(self.ports["redis"]),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        str(self.dir),
                    ],
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(
            lambda: redis_answers(self.ports["redis"]), 10, "Redis did not start", self.redis, self.dir / "redis.log"
        )

    # QSM -------------------------------------------------------------------------------------

    def qsm_env(self):
        env = {name: value for name, value in os.environ.items() if not name.startswith("QSM_")}
        env.update(
            QSM_ENV="production",
            QSM_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{self.ports['postgres']}/qsm",
            QSM_REDIS_URL=f"redis://127.0.0.1:{self.ports['redis']}/0",
            QSM_ISSUER=self.base_url,
            QSM_SECRET_KEY=secrets.token_urlsafe(48),
            QSM_KEY_ENCRYPTION_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            QSM_SESSION_COOKIE_SECURE="0",
            QSM_BCRYPT_ROUNDS=str(self.args.bcrypt_rounds),
            QSM_CONNECT_INSTANCE=str(self.dir),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        return env

    def flask(self, *arguments):
        command = [sys.executable, "-m", "flask", "--app", "wsgi:qsm", *arguments]  # `flask`, of this interpreter
        return run(command, "flask " + " ".join(arguments[:2]), env=self.env, cwd=ROOT)

    def set_up_qsm(self):
        """Tables, signing keys, a seller and a trusted client, with the CLI production uses."""
        self.env = self.qsm_env()
        self.flask("db", "upgrade")
        self.flask("keys", "ensure")
        self.password = secrets.token_urlsafe(18)
        self.flask("sellers", "create", "--email", SELLER_EMAIL, "--password", self.password,
                   "--shop-name", "Bench Shop", "--contact-name", "Bench Seller")
        created = json.loads(self.flask(
            "clients", "create", "--name", "Bench", "--redirect-uri", REDIRECT_URI, "--trusted",
            "--grant-type", "authorization_code", "--grant-type", "refresh_token", "--grant-type", "client_credentials",
            "--scope", "openid profile email offline_access"))
        self.client = (created["client_id"], created["client_secret"])

    def start_server(self):
        with open(self.dir / "server.log", "wb") as log:
            self.server = subprocess.Popen(pinned(self.args.server_cpus, self.server_argv), cwd=ROOT, env=self.env,
                                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(
            lambda: answers(self.base_url + "/readyz"),
            60,
            f"QSM did not become ready at {self.base_url}/readyz",
            self.server,
            self.dir / "server.log",
        )

    def seller_hash_cost(self):
        """The bcrypt cost of the seller's stored hash ($2b$10$...), read from the database."""
        stored = run([str(self.pg_bin / "psql"), "-h", "127.0.0.1", "-p", str(self.ports["postgres"]), "-U", "postgres",
                      "-d", "qsm", "-Atc", f"SELECT password_hash FROM sellers WHERE email = '{SELLER_EMAIL}'"], "psql")
        found = re.match(r"\$2[abxy]?\$(\d+)\$", stored.strip())
        return int(found.group(1)) if found else None

    def server_processes(self):
        found = subprocess.run(["pgrep", "-g", str(self.server.pid)], capture_output=True, text=True).stdout.split()
        return len(found)

    # Both ------------------------------------------------------------------------------------

    def start(self):
        self.start_postgres()
        self.start_redis()
        self.set_up_qsm()
        self.start_server()

    def stop(self):
        stop_group(self.server)
        stop_group(self.redis)
        self.stop_postgres()
        if self.args.logs:
            self.copy_logs(Path(self.args.logs))
        shutil.rmtree(self.dir, ignore_errors=True)

    def copy_logs(self, folder):
        folder.mkdir(parents=True, exist_ok=True)
        for log in (self.dir / "server.log", self.dir / "redis.log", self.pg_dir / "postgres.log"):
            if log.exists():
                shutil.copy(log, folder / log.name)


def server_argv(command):
    """The server command as a list; a leading ``python`` is this interpreter (its venv and packages)."""
    argv = shlex.split(command)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return argv


def ensure_user(name):
    if subprocess.run(["id", name], capture_output=True).returncode != 0:
        print(f"# creating the user {name} to run PostgreSQL (initdb refuses root)", file=sys.stderr)
        run(["useradd", "--system", "--no-create-home", name], "useradd")


def run(command, what, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise BenchError(f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def stop_group(process, timeout=15):
    """SIGTERM to the process group this script started (its leader and every child), then SIGKILL
    for whatever is left after ``timeout`` seconds."""
    if process is None or not signal_group(process, signal.SIGTERM):
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.poll()  # reaps the leader, so that only live processes keep the group alive
        if not signal_group(process, 0):
            return
        time.sleep(0.1)
    signal_group(process, signal.SIGKILL)
    process.wait(timeout)


def signal_group(process, signum):
    """Send ``signum`` to the group led by ``process``; False if no process is left in it."""
    try:
        os.killpg(process.pid, signum)
        return True
    except ProcessLookupError:
        return False


def wait_until(ready, seconds, message, process, log):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if ready():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise BenchError(
        f"{message}" + (f" (exited with {process.returncode})" if process.poll() is not None else "") + f"\n{tail}"
    )


def answers(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def redis_answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# Tokens through the real login form and authorization code flow with PKCE


@dataclass
class Target:
    base_url: str
    client: tuple
    email: str
    password: str
    urls: dict

    @property
    def basic(self):
        return "Basic " + base64.b64encode(f"{self.client[0]}:{self.client[1]}".encode()).decode()


def discover(base_url):
    metadata = requests.get(base_url + "/.well-known/openid-configuration", timeout=10).json()
    urls = {name: metadata[name] for name in ("authorization_endpoint", "token_endpoint", "introspection_endpoint",
                                              "userinfo_endpoint", "jwks_uri")}
    for url in urls.values():
        if urlsplit(url).hostname != "127.0.0.1":
            raise BenchError(f"discovery names {url}: this benchmark stays on 127.0.0.1")
    return urls


def csrf_token(http, base_url):
    page = http.get(base_url + "/login", timeout=10)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    if page.status_code != 200 or not found:
        raise BenchError(f"GET /login answered {page.status_code} without a csrf_token field")
    return found.group(1)


def post_login(http, target):
    data = {"csrf_token": csrf_token(http, target.base_url), "email": target.email, "password": target.password}
    return http.post(target.base_url + "/login", data=data, allow_redirects=False, timeout=30)


def logged_in_session(target):
    http = requests.Session()
    answer = post_login(http, target)
    if answer.status_code != 302:
        raise BenchError(f"POST /login answered {answer.status_code}, not 302")
    return http


def code_flow(http, target, scope):
    """One authorization code flow with PKCE in a logged-in session; the token endpoint's JSON."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"response_type": "code", "client_id": target.client[0], "redirect_uri": REDIRECT_URI, "scope": scope,
              "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
              "code_challenge": challenge, "code_challenge_method": "S256"}
    authorized = http.get(target.urls["authorization_endpoint"], params=params, allow_redirects=False, timeout=30)
    code = parse_qs(urlsplit(authorized.headers.get("Location", "")).query).get("code", [None])[0]
    if authorized.status_code != 302 or not code:
        raise BenchError(f"authorize answered {authorized.status_code} {authorized.headers.get('Location', '')[:200]}")
    token = http.post(target.urls["token_endpoint"], auth=target.client, timeout=30, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier})
    if token.status_code != 200:
        raise BenchError(f"code exchange answered {token.status_code} {token.text[:200]}")
    return token.json()


def mint_refresh_tokens(target, count, concurrency):
    """``count`` refresh tokens, each from its own code flow in one login session, ``concurrency`` flows in flight."""
    cookies = logged_in_session(target).cookies
    local = threading.local()
    failures = Counter()

    def one(_):
        if not hasattr(local, "http"):
            local.http = requests.Session()  # one kept-alive connection per minting thread
            local.http.cookies.update(cookies)
        try:
            return code_flow(local.http, target, "openid offline_access")["refresh_token"]
        except (BenchError, requests.RequestException, KeyError) as error:
            failures[str(error)[:120]] += 1
            return None

    started = time.monotonic()
    pool = ThreadPoolExecutor(concurrency)
    try:
        minted = [token for token in pool.map(one, range(count)) if token]
    finally:
        pool.shutdown(cancel_futures=True)  # on Ctrl-C: only the flows in flight are awaited
    print(f"#   minted {len(minted)}/{count} refresh tokens in {time.monotonic() - started:.0f} s", file=sys.stderr)
    for reason, times in failures.most_common(3):
        print(f"#   WARNING {times} code flows failed: {reason}", file=sys.stderr)
    return minted


def client_credentials_token(target):
    answer = requests.post(target.urls["token_endpoint"], data={"grant_type": "client_credentials"},
                           headers={"Authorization": target.basic}, timeout=10)
    return answer, (answer.json().get("access_token") if answer.status_code == 200 else None)


# ---------------------------------------------------------------------------------------------
# wrk


@dataclass
class Load:
    url: str
    method: str = "GET"
    body: str = ""
    auth: str = ""


def run_wrk(args, load, seconds, pool=None):
    env = dict(os.environ, BENCH_METHOD=load.method, BENCH_BODY=load.body, BENCH_AUTH=load.auth,
               BENCH_POOL=str(pool or ""), BENCH_THREADS=str(args.threads))
    command = pinned(args.wrk_cpus, ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s",
                                     "--timeout", "5s", "-s", str(LUA), load.url])
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    return dict(parse_wrk(done.stdout, done.stderr), duration_s=seconds)


def parse_wrk(stdout, stderr):
    result = {}
    for line in stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "RESULT":
            values = rest.split()
            result.update(
                rps=float(values[0]),
                p50_ms=float(values[1]),
                p99_ms=float(values[2]),
                requests=int(values[3]),
                non2xx=int(values[4]),
                socket_errors=int(values[5]),
            )
        elif kind == "STATUS":
            result["statuses"] = {code: int(n) for code, n in (pair.split("=") for pair in rest.split())}
        elif kind == "POOL":
            result["pool"] = {key: float(value) if "." in value else int(value)
                              for key, value in (pair.split("=") for pair in rest.split())}
    if "rps" not in result:
        raise BenchError(f"wrk gave no result:\n{stdout[-2000:]}{stderr[-2000:]}")
    return result


def measure(args, load):
    """A warm-up (not recorded), then the timed run."""
    if args.warmup > 0:
        run_wrk(args, load, args.warmup)
    return run_wrk(args, load, args.duration)


# ---------------------------------------------------------------------------------------------
# The endpoints: each checks one request by hand, then measures


def expect(answer, ok, what):
    if answer.status_code != 200 or not ok(answer):
        raise BenchError(f"check of {what}: {answer.status_code} {answer.text[:300]}")


def bench_floor(args, target, stack):
    expect(
        requests.get(target.base_url + "/healthz", timeout=10), lambda a: a.json().get("status") == "ok", "GET /healthz"
    )
    return measure(args, Load(target.base_url + "/healthz"))


def bench_token_cc(args, target, stack):
    answer, token = client_credentials_token(target)
    expect(answer, lambda a: token, "client_credentials")
    return measure(args, Load(target.urls["token_endpoint"], "POST", "grant_type=client_credentials", target.basic))


def pool_size(rate, seconds):
    return math.ceil(rate * seconds * POOL_MARGIN)


def write_pool(path, tokens):
    path.write_text("".join(token + "\n" for token in tokens))
    return path


def bench_token_refresh(args, target, stack):
    """Every request spends a different refresh token once. The warm-up's pool is sized from
    --refresh-rate, the timed run's from the rate reached so far; a timed run whose pool ran out
    is run again (up to REFRESH_ATTEMPTS times) with a pool sized from the rate it reached."""
    load = Load(target.urls["token_endpoint"], "POST", "grant_type=refresh_token&refresh_token=", target.basic)
    warmup_size = pool_size(args.refresh_rate, args.warmup)
    print(f"#   minting {warmup_size} + 1 refresh tokens for the warm-up and a check", file=sys.stderr)
    tokens = mint_refresh_tokens(target, warmup_size + 1, args.mint_concurrency)
    if not tokens:
        raise BenchError("no refresh token could be minted")
    check = tokens.pop()
    answer = requests.post(target.urls["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": check},
                           headers={"Authorization": target.basic}, timeout=10)
    expect(answer, lambda a: a.json().get("refresh_token") not in (None, check), "refresh_token grant (rotation)")
    rate, warmup = args.refresh_rate, None
    if args.warmup > 0:
        warmup = run_wrk(args, load, args.warmup, write_pool(stack.dir / "refresh-warmup.txt", tokens))
        rate = max(rate, warmup["rps"])
    for attempt in range(1, REFRESH_ATTEMPTS + 1):
        timed_size = pool_size(rate, args.duration)
        print(f"#   minting {timed_size} refresh tokens for the timed run ({rate:.0f}/s expected)", file=sys.stderr)
        tokens = mint_refresh_tokens(target, timed_size, args.mint_concurrency)
        result = run_wrk(args, load, args.duration, write_pool(stack.dir / "refresh-timed.txt", tokens))
        if not result["pool"]["exhausted"] or attempt == REFRESH_ATTEMPTS:
            break
        print(f"#   the pool ran out after {result['pool']['ran_s']:.1f} s at {result['rps']:.0f}/s: again, with more",
              file=sys.stderr)
        rate = max(rate * 1.5, result["rps"] * 1.2)
    result["timed_runs"] = attempt
    if warmup:
        result["warmup_pool"] = warmup["pool"]
    return result


def bench_discovery(args, target, stack):
    url = target.base_url + "/.well-known/openid-configuration"
    expect(requests.get(url, timeout=10), lambda a: a.json().get("issuer") == target.base_url, "discovery")
    return measure(args, Load(url))


def bench_jwks(args, target, stack):
    url = target.urls["jwks_uri"]
    expect(requests.get(url, timeout=10), lambda a: a.json().get("keys"), "JWKS")
    return measure(args, Load(url))


def bench_introspect(args, target, stack):
    _, token = client_credentials_token(target)
    body = f"token={token}"
    answer = requests.post(target.urls["introspection_endpoint"], data={"token": token},
                           headers={"Authorization": target.basic}, timeout=10)
    expect(answer, lambda a: a.json().get("active") is True, "introspection of a fresh access token")
    return measure(args, Load(target.urls["introspection_endpoint"], "POST", body, target.basic))


def bench_userinfo(args, target, stack):
    access_token = code_flow(logged_in_session(target), target, "openid profile email")["access_token"]
    bearer = f"Bearer {access_token}"
    answer = requests.get(target.urls["userinfo_endpoint"], headers={"Authorization": bearer}, timeout=10)
    expect(answer, lambda a: a.json().get("sub"), "userinfo with the seller's access token")
    return measure(args, Load(target.urls["userinfo_endpoint"], auth=bearer))


def timed_check(password, password_hash, cpus):
    """One websafety.passwords check (bcrypt.checkpw), in this process, pinned to ``cpus``."""
    from websafety import passwords

    own_cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        started = time.perf_counter()
        assert passwords.check_password(password, password_hash)
        return time.perf_counter() - started
    finally:
        os.sched_setaffinity(0, own_cpus)


def timed_login(http, target):
    """One POST /login through the form as a new visitor (the GET for its csrf_token is not timed)."""
    http.cookies.clear()  # a new visitor each time, on the same kept-alive connection
    data = {"csrf_token": csrf_token(http, target.base_url), "email": target.email, "password": target.password}
    started = time.perf_counter()
    answer = http.post(target.base_url + "/login", data=data, allow_redirects=False, timeout=30)
    return answer.status_code, time.perf_counter() - started


def bench_login(args, target, stack):
    """Sequential password logins against bcrypt alone at the same cost, on the server's CPU (idle
    between logins). The two alternate, so that whatever else the machine runs weighs on both."""
    sys.path.insert(0, str(ROOT))
    from websafety import passwords

    cost = stack.seller_hash_cost()
    if cost != args.bcrypt_rounds:
        raise BenchError(f"the seller's password hash has cost {cost}, not QSM_BCRYPT_ROUNDS={args.bcrypt_rounds}")
    password_hash = passwords.hash_password(target.password, args.bcrypt_rounds)
    http = requests.Session()
    timed_login(http, target)  # warms the connection and the server's caches; not counted
    logins, checks, failures = [], [], Counter()
    for _ in range(args.logins):
        status, elapsed = timed_login(http, target)
        if status == 302:
            logins.append(elapsed)
        else:
            failures[str(status)] += 1
        checks.append(timed_check(target.password, password_hash, cpu_set(args.server_cpus)))
    if not logins:
        raise BenchError(f"no login succeeded: {dict(failures)}")
    login_ms, bcrypt_ms = statistics.median(logins) * 1000, statistics.median(checks) * 1000
    return {"logins": len(logins), "non2xx": sum(failures.values()), "statuses": dict(failures),
            "login_p50_ms": login_ms, "login_mean_ms": statistics.fmean(logins) * 1000,
            "bcrypt_p50_ms": bcrypt_ms, "bcrypt_mean_ms": statistics.fmean(checks) * 1000,
            "overhead_pct": (login_ms - bcrypt_ms) / bcrypt_ms * 100, "bcrypt_rounds": args.bcrypt_rounds}


BENCHES = {name: globals()["bench_" + name] for name in ENDPOINTS}


# ---------------------------------------------------------------------------------------------
# Output


COLUMNS = (
    f"{'endpoint':<14} {'rps':>9} {'p50_ms':>8} {'p99_ms':>8} {'requests':>9}"
    f" {'non2xx':>7} {'sock_err':>8} {'x_floor':>8}"
)


def header(args, stack):
    pg_version = stack.pg_bin.parent.name
    return [
        f"# QSM endpoints, {time.strftime('%Y-%m-%d %H:%M:%S')}, bench/endpoints.py",
        f"# server: taskset -c {args.server_cpus} {shlex.join(stack.server_argv)}"
        f"  ({stack.server_processes()} processes)",
        f"# stores: PostgreSQL {pg_version} (synchronous_commit={args.synchronous_commit}) and Redis,"
        f" on CPU {args.server_cpus}; QSM_ENV=production, QSM_BCRYPT_ROUNDS={args.bcrypt_rounds}",
        f"# load: taskset -c {args.wrk_cpus} wrk -t{args.threads} -c{args.connections} (keep-alive),"
        f" {args.warmup} s warm-up + {args.duration} s timed run per endpoint",
        COLUMNS,
    ]


def result_line(name, result, floor_rps):
    ratio = f"{result['rps'] / floor_rps:8.3f}" if floor_rps else f"{'-':>8}"
    return (f"{name:<14} {result['rps']:9.1f} {result['p50_ms']:8.2f} {result['p99_ms']:8.2f} {result['requests']:9d}"
            f" {result['non2xx']:7d} {result['socket_errors']:8d} {ratio}")


def login_line(result):
    verdict = "within" if result["overhead_pct"] < 5 else "ABOVE"
    return (
        f"{'login':<14} p50 {result['login_p50_ms']:.1f} ms per login ({result['logins']} sequential, mean"
        f" {result['login_mean_ms']:.1f}), bcrypt alone p50 {result['bcrypt_p50_ms']:.1f} ms"
        f" (cost {result['bcrypt_rounds']}): overhead {result['overhead_pct']:+.1f} %, {verdict} the 5 % goal;"
        f" answers other than 302: {result['non2xx']}"
    )


def problems(name, result):
    """What makes a result untrustworthy, as warning lines."""
    found = []
    if result.get("non2xx"):
        expected = "302" if name == "login" else "2xx"
        found.append(f"{name}: {result['non2xx']} answers were not {expected}: {result.get('statuses', {})}")
    if result.get("socket_errors"):
        found.append(f"{name}: {result['socket_errors']} socket errors (connect, read, write, timeout)")
    pool = result.get("pool")
    if pool and pool["exhausted"]:
        found.append(f"{name}: the refresh-token pool ({pool['size']}) ran out in the timed run: its load stopped"
                     f" after {pool['ran_s']:.1f} s of {result['duration_s']} s; raise --refresh-rate")
    return found


def describe_pool(result):
    """How much of each pool was spent; a warm-up cut short is only noted (the timed run's pool is
    sized from the rate the warm-up reached)."""
    parts = []
    for key, label in (("warmup_pool", "warm-up"), ("pool", "timed run")):
        if key in result:
            pool = result[key]
            short = f", ran out after {pool['ran_s']:.1f} s" if pool["exhausted"] else ""
            parts.append(f"{label} spent {pool['sent'] - pool['exhausted']} of {pool['size']} tokens{short}")
    if result.get("timed_runs", 1) > 1:
        parts.append(f"timed run {result['timed_runs']} of {REFRESH_ATTEMPTS} (earlier pools ran out)")
    return "#   refresh-token pool: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Main


def run_benches(args, stack, report):
    target = Target(stack.base_url, stack.client, SELLER_EMAIL, stack.password, discover(stack.base_url))
    for line in header(args, stack):
        print(line, flush=True)
    floor_rps = None
    for name in args.endpoints:
        try:
            result = BENCHES[name](args, target, stack)
        except BenchError as error:
            result = {"error": str(error)}
            print(f"{name:<14} FAILED: {error}", flush=True)
            report["results"][name] = result
            report["problems"].append(f"{name}: {error}")
            continue
        if name == "floor":
            floor_rps = result["rps"]
        if name == "login":
            print(login_line(result), flush=True)
        else:
            result["x_floor"] = result["rps"] / floor_rps if floor_rps else None
            print(result_line(name, result, floor_rps), flush=True)
        if "pool" in result:
            print(describe_pool(result), flush=True)
        for warning in problems(name, result):
            print(f"# WARNING {warning}", flush=True)
            report["problems"].append(warning)
        report["results"][name] = result


def raise_on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None):
    args = parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, raise_on_signal)
    report = {"results": {}, "problems": []}
    stack = None
    try:
        pg_bin = check_prerequisites(args)
        os.sched_setaffinity(0, cpu_set(args.wrk_cpus))  # token minting and checks run beside wrk, not beside QSM
        stack = Stack(args, pg_bin)
        print(f"# starting PostgreSQL, Redis and QSM in {stack.dir} ...", file=sys.stderr, flush=True)
        stack.start()
        report["settings"] = {
            "server_cmd": stack.server_cmd,
            "server_cpus": args.server_cpus,
            "wrk_cpus": args.wrk_cpus,
            "threads": args.threads,
            "connections": args.connections,
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "bcrypt_rounds": args.bcrypt_rounds,
            "synchronous_commit": args.synchronous_commit,
            "postgres": stack.pg_bin.parent.name,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        run_benches(args, stack, report)
    except BenchError as error:
        report["problems"].append(str(error))
        print(f"bench: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        report["problems"].append("interrupted")
        print("\nbench: interrupted; cleaning up", file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave a cluster behind
        if stack is not None:
            stack.stop()
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
