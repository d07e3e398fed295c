"""PostgreSQL, then Redis, frozen under a live QSM: every request still ends within BOUND seconds.

Frozen, not down: SIGSTOP of the postmaster and every backend (each PostgreSQL process is in a
process group of its own, so one by one), then of redis-server. A frozen server refuses
nothing and answers nothing, while its kernel still accepts connections and acknowledges what
is sent, so neither TCP nor the server's own timeouts end a wait: only the client's bounds do
(siteops/database.py, Redis's socket timeouts; docs/deploy.md, "Timeouts"). QSM runs as in
production: ``python -m siteops.serve wsgi:qsm`` (Granian, which has no per-request timeout of
its own), production configuration, default bounds.

The test starts its own PostgreSQL cluster (initdb; as user nobody when run as root, since
initdb refuses root) and its own redis-server, both on 127.0.0.1 and random ports, and stops
them at the end, after SIGCONT, whatever happened. Skipped when their binaries are missing,
unless QSM_REQUIRE_SERVICES=1 (CI), when it fails.

Phases, each request timed: a row lock held elsewhere (lock_timeout); PostgreSQL frozen;
PostgreSQL and Redis frozen; Redis alone frozen; both running again. Then: nothing a request
that answered 503 did was committed (row counts unchanged, the refresh token it carried still
works) and QSM serves again, with the same process.
"""
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from glob import glob
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from cryptography.fernet import Fernet

from siteops.database import dispose_engines
from tests.support.pages import parse_forms

from .cluster import ROOT, base_environment, free_port
from .conftest import PASSWORD, RP_REDIRECT_URI, RP_SCOPE, Seller, redeem, refresh

pytestmark = pytest.mark.live

BOUND = 5.0  # seconds: every answer while a dependency is frozen (docs/deploy.md, "Timeouts")
TEST_BUDGET = 85  # seconds for the whole test, set-up and teardown included
START_TIMEOUT = 30
RECOVERY_TIMEOUT = 15
CLIENT_TIMEOUT = BOUND + 10  # the test's own HTTP timeout: a hang fails the test, never holds it
UNAVAILABLE = "temporarily unavailable"


# --- the services ---------------------------------------------------------------------------


def postgres_bin():
    """The newest PostgreSQL server binaries: QSM_POSTGRES_BIN, /usr/lib/postgresql/*/bin, PATH."""
    def version(directory):
        name = Path(directory).parent.name
        return int(name) if name.isdigit() else 0

    candidates = [os.environ.get("QSM_POSTGRES_BIN", "")]
    candidates += sorted(glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    for directory in filter(None, candidates):
        if all((Path(directory) / name).is_file() for name in ("initdb", "postgres")):
            return Path(directory)
    return None


def require_binaries():
    missing = []
    if postgres_bin() is None:
        missing.append("PostgreSQL (initdb, postgres)")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if not missing:
        return
    problem = f"{' and '.join(missing)} not found"
    if os.environ.get("QSM_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{problem} (QSM_REQUIRE_SERVICES=1: the frozen-dependency test must run)", pytrace=False)
    pytest.skip(f"frozen-dependency test skipped: {problem}")


STOPPED_OR_GONE = ("T", "t", "Z", "X", None)


def process_state(pid):
    """The state letter of /proc/<pid>/stat (R, S, T for stopped...), or None when gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def children_of(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return found


def signal_pid(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_for(check, timeout, message, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except RuntimeError:  # it will never be: the process exited
            raise
        except Exception:  # not up yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message}: not within {timeout}s")
        time.sleep(interval)


class Postgres:
    """A private cluster: initdb in a fresh folder, ``postgres`` on 127.0.0.1:<port>."""

    def __init__(self, work_dir):
        self.bin = postgres_bin()
        self.dir = Path(work_dir) / "pg"
        self.data = self.dir / "data"
        self.port = free_port()
        self.process = self.log = None
        self.frozen = []
        self.owner = {}
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            import pwd

            nobody = pwd.getpwnam("nobody")
            self.owner = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        self.dir.mkdir()
        if self.owner:
            os.chown(self.dir, self.owner["user"], self.owner["group"])
        self.log_path = Path(work_dir) / "postgres.log"

    def _run_env(self):
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C", "HOME": str(self.dir)}

    def start(self):
        initdb = subprocess.run(
            [self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8", "--locale=C"],
            env=self._run_env(), capture_output=True, text=True, timeout=40, **self.owner,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}")
        self.log = open(self.log_path, "ab")
        settings = {
            "listen_addresses": "127.0.0.1",
            "fsync": "off",  # a throwaway cluster
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "60",
            "shared_buffers": "16MB",
            "autovacuum": "off",
        }
        command = [self.bin / "postgres", "-D", self.data, "-p", str(self.port), "-k", self.dir]
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        self.process = subprocess.Popen(
            command,
            env=self._run_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            **self.owner,
        )
        wait_for(self._ready, 20, "PostgreSQL accepting connections")
        self.execute("CREATE DATABASE qsm")
        return self

    def _ready(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"postgres exited with {self.process.returncode}:\n{self.log_tail()}")
        self.execute("SELECT 1")
        return True

    def url(self, database="qsm"):
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, statement, database="postgres"):
        with self.connect(database, autocommit=True) as connection:
            rows = connection.execute(statement)
            return rows.fetchall() if rows.description else None

    def connect(self, database="qsm", **options):
        """A connection of the test's own, straight to the server (not through QSM)."""
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, connect_timeout=3, **options
        )

    def count(self, *tables):
        return {table: self.execute(f"SELECT count(*) FROM {table}", database="qsm")[0][0] for table in tables}

    def freeze(self):
        """SIGSTOP the postmaster first (it forks no more backends), then each of its children."""
        signal_pid(self.process.pid, signal.SIGSTOP)
        self.frozen = [self.process.pid]
        wait_for(lambda: process_state(self.process.pid) in ("T", "t"), 5, "postmaster stopped", interval=0.01)
        for pid in children_of(self.process.pid):
            signal_pid(pid, signal.SIGSTOP)
            self.frozen.append(pid)
        for pid in self.frozen:  # stopped, or exited meanwhile (a zombie the postmaster cannot reap)
            wait_for(
                lambda pid=pid: process_state(pid) in STOPPED_OR_GONE,
                5,
                f"postgres process {pid} stopped",
                interval=0.01,
            )
        assert len(self.frozen) >= 4, f"expected the postmaster and its processes, froze only {self.frozen}"

    def thaw(self):
        for pid in reversed(self.frozen):  # the backends first, the postmaster last
            signal_pid(pid, signal.SIGCONT)
        self.frozen = []

    def stop(self):
        try:
            self._stop()
        finally:
            if self.log is not None:
                self.log.close()

    def _stop(self):
        if self.process is None:
            return
        self.thaw()
        for pid in [self.process.pid, *children_of(self.process.pid)]:
            signal_pid(pid, signal.SIGCONT)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # immediate shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                for pid in [*children_of(self.process.pid), self.process.pid]:
                    signal_pid(pid, signal.SIGKILL)
                self.process.wait(5)

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Redis:
    def __init__(self, work_dir):
        self.port = free_port()
        self.dir = Path(work_dir)
        self.process = self.log = None
        self.log_path = self.dir / "redis.log"

    def start(self):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        wait_for(self._ready, 10, "Redis answering PING")
        return self

    def _ready(self):
        import redis

        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {self.process.returncode}")
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            return client.ping()
        finally:
            client.close()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def log_tail(self, lines=10):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def freeze(self):
        self.process.send_signal(signal.SIGSTOP)
        wait_for(lambda: process_state(self.process.pid) in ("T", "t"), 5, "redis-server stopped", interval=0.01)

    def thaw(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def stop(self):
        try:
            self._stop()
        finally:
            if self.log is not None:
                self.log.close()

    def _stop(self):
        if self.process is None:
            return
        self.thaw()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class QSMServer:
    """``python -m siteops.serve wsgi:qsm`` in production configuration, in its own process group."""

    def __init__(self, work_dir, database_url, redis_url):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(work_dir) / "qsm.log"
        env = {k: v for k, v in base_environment().items() if not k.startswith("SERVE_")}
        env.update(
            QSM_ENV="production",
            QSM_SECRET_KEY=secrets.token_urlsafe(40),
            QSM_KEY_ENCRYPTION_KEYS=KEY_ENCRYPTION_KEY,
            QSM_DATABASE_URL=database_url,
            QSM_REDIS_URL=redis_url,
            QSM_ISSUER=self.url,
            QSM_SESSION_COOKIE_SECURE="0",  # plain HTTP on 127.0.0.1
            QSM_BCRYPT_ROUNDS="4",
            QSM_CONNECT_INSTANCE=str(work_dir),
            SERVE_WORKERS="1",
            SERVE_THREADS="8",
            SERVE_GRACEFUL_TIMEOUT="3",
        )
        self.env = env
        self.process = self.log = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "siteops.serve", "--bind", f"127.0.0.1:{self.port}", "wsgi:qsm"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the server and its workers stop together
        )
        wait_for(self._ready, START_TIMEOUT, f"QSM answering /readyz at {self.url}", interval=0.2)
        return self

    def _ready(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"QSM exited with {self.process.returncode}:\n{self.log_tail()}")
        return requests.get(self.url + "/readyz", timeout=2).status_code == 200

    def pids(self):
        return sorted([self.process.pid, *children_of(self.process.pid)])

    def stop(self):
        try:
            self._stop()
        finally:
            if self.log is not None:
                self.log.close()

    def _stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(8)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # workers that outlived the server
        except ProcessLookupError:
            pass

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Budget:
    """SIGALRM after ``seconds``: the test fails (and its finally blocks run) instead of running on."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        self.armed = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def _expired(self, signum, frame):
        raise TimeoutError(f"the frozen-dependency test ran past its budget of {self.seconds}s")

    def cancel(self):
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            self.armed = False

    def __exit__(self, *exc):
        self.cancel()


@pytest.fixture
def services():
    """PostgreSQL, Redis and QSM, started for this test; always thawed and stopped after it."""
    require_binaries()
    work_dir = Path(tempfile.mkdtemp(prefix="qsm-frozen-"))
    os.chmod(work_dir, 0o755)  # the cluster's owner must reach its folder
    started = []
    budget = Budget(TEST_BUDGET).__enter__()
    try:
        postgres = Postgres(work_dir)
        started.append(postgres)
        postgres.start()
        redis = Redis(work_dir)
        started.append(redis)
        redis.start()
        fixtures = prepare_database(postgres.url())
        qsm = QSMServer(work_dir, postgres.url(), redis.url)
        started.append(qsm)
        qsm.start()
        yield SimpleNamespace(postgres=postgres, redis=redis, qsm=qsm, budget=budget, **fixtures)
    finally:
        budget.cancel()  # the teardown must not be interrupted
        for service in started:  # SIGCONT before anything else, so that nothing stays frozen
            service_thaw = getattr(service, "thaw", None)
            if service_thaw:
                service_thaw()
        for service in reversed(started):
            try:
                service.stop()
            except Exception as error:  # keep stopping the others
                print(f"stopping {type(service).__name__}: {error!r}")
        for service in started:  # shown when the test fails
            print(f"--- {type(service).__name__} log (last lines)\n{service.log_tail()}")
        shutil.rmtree(work_dir, ignore_errors=True)


# The server and this process (which writes the signing keys) must encrypt with the same key.
KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()


def prepare_database(database_url):
    """Tables, a signing key, a seller and a client, written in this process."""
    from idp import create_app
    from idp.auth.sellers import create_seller
    from idp.extensions import db
    from idp.oauth.clients import register_client
    from idp.oauth.keys import ensure_signing_keys

    app = create_app(
        "testing", test_config={"SQLALCHEMY_DATABASE_URI": database_url, "KEY_ENCRYPTION_KEYS": KEY_ENCRYPTION_KEY}
    )
    with app.app_context():
        db.create_all()
        ensure_signing_keys()
        email = f"frozen-{secrets.token_hex(4)}@example.com"
        create_seller(email, PASSWORD, "Frozen Shop", "Frozen Seller")
        client, secret = register_client(
            name="Frozen RP", redirect_uris=[RP_REDIRECT_URI], scope=RP_SCOPE, trusted=True
        )
        rp = SimpleNamespace(client_id=client.client_id, client_secret=secret, redirect_uri=RP_REDIRECT_URI)
        db.session.remove()
        dispose_engines(app, db)  # no connection of this process stays in the frozen server
    return {"email": email, "rp": rp}


# --- what is sent and what must come back ---------------------------------------------------


def timed(name, send):
    """(name, response or the exception, seconds)."""
    started = time.monotonic()
    try:
        answer = send()
    except requests.RequestException as error:
        answer = error
    return name, answer, time.monotonic() - started


def send_all(phase, requests_by_name):
    """Send every request at once (each on its own connection), as clients would; print what
    came back and when (shown with the failure, or with ``pytest -s``)."""
    with ThreadPoolExecutor(max_workers=len(requests_by_name)) as pool:
        futures = [pool.submit(timed, name, send) for name, send in requests_by_name.items()]
        answers = {name: (answer, seconds) for name, answer, seconds in (f.result() for f in futures)}
    print(f"{phase}:\n{describe(answers)}")
    return answers


def describe(answers):
    lines = []
    for name, (answer, seconds) in answers.items():
        what = f"{answer.status_code} {answer.text[:160]!r}" if isinstance(answer, requests.Response) else repr(answer)
        lines.append(f"  {name}: {seconds:.2f}s {what}")
    return "\n".join(lines)


def assert_within_bound(answers):
    late = {name: (a, s) for name, (a, s) in answers.items() if not isinstance(a, requests.Response) or s >= BOUND}
    assert not late, f"answers later than {BOUND}s, or none:\n{describe(answers)}"


def assert_json_503(response):
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "temporarily_unavailable"
    assert response.headers["Retry-After"]


def assert_page_503(response):
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("text/html")
    assert UNAVAILABLE in response.text and "Traceback" not in response.text


def assert_readyz(response, expected):
    assert response.status_code == (200 if set(expected.values()) == {"ok"} else 503), response.text
    assert response.json()["checks"] == expected, response.text


class Traffic:
    """The requests each phase sends: a refresh at the token endpoint, userinfo, a portal page
    for a signed-in seller, /readyz, and a login attempt (the one form that needs Redis)."""

    def __init__(self, services, access_token, refresh_token, seller, login_form):
        self.base = services.qsm.url
        self.rp = services.rp
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.seller = seller
        self.login_form = login_form
        self.login_http = requests.Session()
        self.login_http.cookies.update(login_form["cookies"])

    def token(self):
        return refresh(self.base, self.rp, self.refresh_token, timeout=CLIENT_TIMEOUT)

    def userinfo(self):
        return requests.get(
            self.base + "/oauth/userinfo",
            headers={"Authorization": f"Bearer {self.access_token}"},
            timeout=CLIENT_TIMEOUT,
        )

    def page(self):
        return self.seller.http.get(self.base + "/", allow_redirects=False, timeout=CLIENT_TIMEOUT)

    def readyz(self):
        return requests.get(self.base + "/readyz", timeout=CLIENT_TIMEOUT)

    def login(self):
        data = {**self.login_form["fields"], "email": self.seller.email, "password": "not the password 1"}
        return self.login_http.post(self.base + "/login", data=data, allow_redirects=False, timeout=CLIENT_TIMEOUT)


def sign_in(services):
    """A seller signed in at QSM, and the client's tokens for them: (seller, access, refresh)."""
    base = services.qsm.url
    seller = Seller(SimpleNamespace(issuer=base), services.email)
    seller.login(base)
    code, verifier, _ = seller.authorize(base, services.rp)
    tokens = redeem(base, services.rp, code, verifier)
    assert tokens.status_code == 200, tokens.text
    tokens = tokens.json()
    return seller, tokens["access_token"], tokens["refresh_token"]


def a_login_form(base):
    """The login form's fields and the cookies that go with its CSRF token, fetched now."""
    http = requests.Session()
    page = http.get(base + "/login", timeout=CLIENT_TIMEOUT)
    assert page.status_code == 200
    form = next(f for f in parse_forms(page.text) if "password" in f["fields"])
    return {"fields": form["fields"], "cookies": http.cookies.get_dict()}


def test_frozen_postgres_and_redis_answer_503_within_the_bound_and_commit_nothing(services):
    started = time.monotonic()
    qsm, postgres, redis = services.qsm, services.postgres, services.redis
    seller, access_token, refresh_token = sign_in(services)
    traffic = Traffic(services, access_token, refresh_token, seller, a_login_form(qsm.url))
    pids = qsm.pids()

    # Warm the pool: several connections open and idle in it, as on a busy instance.
    warm = send_all(
        "warm-up",
        {f"userinfo-{i}": traffic.userinfo for i in range(6)} | {"readyz": traffic.readyz, "page": traffic.page},
    )
    assert all(isinstance(a, requests.Response) and a.status_code == 200 for a, _ in warm.values()), describe(warm)
    tables = ("tokens", "token_families", "audit_events", "login_sessions")
    before = postgres.count(*tables)

    # A row lock held elsewhere: the refresh waits lock_timeout, answers 503, rotates nothing.
    with postgres.connect() as holder:
        holder.execute("SELECT id FROM tokens FOR UPDATE")
        answers = send_all("row lock held", {"token": traffic.token})
        holder.rollback()
    assert_within_bound(answers)
    assert_json_503(answers["token"][0])

    # PostgreSQL frozen, twice: once on the warm pool (each request pings a pooled connection,
    # which does not answer, then reconnects, which does not answer either), once more after.
    postgres.freeze()
    for round_ in (1, 2):
        answers = send_all(
            f"PostgreSQL frozen, round {round_}",
            {"token": traffic.token, "userinfo": traffic.userinfo, "page": traffic.page, "readyz": traffic.readyz},
        )
        assert_within_bound(answers)
        assert_json_503(answers["token"][0])
        assert_json_503(answers["userinfo"][0])
        assert_page_503(answers["page"][0])
        assert_readyz(answers["readyz"][0], {"database": "timeout", "redis": "ok"})
    assert requests.get(qsm.url + "/healthz", timeout=CLIENT_TIMEOUT).status_code == 200  # the process is fine

    # Redis frozen as well: /readyz names both, the login form is a 503 page.
    redis.freeze()
    answers = send_all(
        "PostgreSQL and Redis frozen", {"readyz": traffic.readyz, "login": traffic.login, "token": traffic.token}
    )
    assert_within_bound(answers)
    assert_readyz(answers["readyz"][0], {"database": "timeout", "redis": "timeout"})
    assert_page_503(answers["login"][0])
    assert_json_503(answers["token"][0])

    # PostgreSQL back, Redis still frozen: tokens and pages are served, logins are not.
    postgres.thaw()
    wait_for(
        lambda: traffic.readyz().json()["checks"]["database"] == "ok", RECOVERY_TIMEOUT, "the database ready again"
    )
    answers = send_all(
        "Redis frozen",
        {"readyz": traffic.readyz, "login": traffic.login, "userinfo": traffic.userinfo, "page": traffic.page},
    )
    assert_within_bound(answers)
    assert_readyz(answers["readyz"][0], {"database": "ok", "redis": "timeout"})
    assert_page_503(answers["login"][0])
    assert answers["userinfo"][0].status_code == 200 and answers["page"][0].status_code == 200, describe(answers)

    # Both running again: ready, and nothing a request that answered 503 did was committed.
    redis.thaw()
    wait_for(lambda: traffic.readyz().status_code == 200, RECOVERY_TIMEOUT, "/readyz once Redis runs again")
    assert postgres.count(*tables) == before, "a request that answered 503 committed something"
    refreshed = refresh(qsm.url, services.rp, refresh_token, timeout=CLIENT_TIMEOUT)
    assert refreshed.status_code == 200, (
        f"the refresh token of the timed-out refreshes no longer works: {refreshed.text}"
    )
    assert postgres.count("tokens")["tokens"] == before["tokens"] + 1
    assert traffic.login().status_code == 200  # a wrong password again: the form, not a 503
    assert traffic.page().status_code == 200
    assert qsm.pids() == pids, "no process was restarted"
    assert time.monotonic() - started < TEST_BUDGET
