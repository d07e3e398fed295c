"""Two QSM instances and two SmartShip instances under Granian (``python -m siteops.serve``), as
docs/deploy.md says to run them, sharing one PostgreSQL database per site and one Redis, all on 127.0.0.1.

::

    test ──▶ qsm_lb ──▶ QSM A, QSM B ──▶ pg proxy ──▶ PostgreSQL (qsm_scale_<hex>)
         ──▶ smartship_lb ──▶ SmartShip A, B ──┘  └──▶ redis proxy ──▶ Redis (db N)
                     SmartShip ──▶ qsm_lb (the issuer)

The proxies (tests/scale/proxy.py) let a test cut PostgreSQL or Redis away from every instance
at once. Each instance runs in its own process group, so teardown (and the SIGKILL test) can
kill the main process and its workers together.
"""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from .proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60
STOP_TIMEOUT = 10
HTTP_TIMEOUT = 10
PLATFORM_ID = "qoo10-sg"
SMARTSHIP_SCOPE = "openid email profile address phone offline_access qsm.orders.read qsm.inventory"
# Variables that must not leak from the developer's shell into the instances.
FOREIGN_PREFIXES = ("QSM_", "SMARTSHIP_", "DEMO_APP_", "SERVE_", "GRANIAN_", "FLASK_")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_port(url, port, database=None, query=""):
    """``url`` pointed at 127.0.0.1:``port`` (credentials kept), another database, more query."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    hostport = f"127.0.0.1:{port}"
    netloc = f"{netloc[0]}@{hostport}" if len(netloc) == 2 else hostport
    path = f"/{database}" if database is not None else parts.path
    query = "&".join(filter(None, [parts.query, query]))
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def base_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class Instance:
    """One ``python -m siteops.serve wsgi:<site>`` on its own port."""

    def __init__(self, name, site, env, log_dir, workers=2, threads=4):
        self.name = name
        self.site = site
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **env,
            "SERVE_BIND": f"127.0.0.1:{self.port}",
            "SERVE_WORKERS": str(workers),
            "SERVE_THREADS": str(threads),
            "SERVE_GRACEFUL_TIMEOUT": "5",
        }
        self.log_path = Path(log_dir) / f"{name}.log"
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "siteops.serve", f"wsgi:{self.site}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: killpg reaches main process and workers
        )
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout}s:\n{self.log_tail()}")

    def pids(self):
        """The live main process and workers (everything alive in the process group)."""
        pgid = self.process.pid
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                # /proc/<pid>/stat: "pid (name) state ppid pgrp ..."; a zombie (Z) is already dead.
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
        return found

    def wait_gone(self, timeout=STOP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while self.pids():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: processes {self.pids()} outlived SIGKILL")
            time.sleep(0.05)

    def kill(self):
        """SIGKILL the main process and every worker at once: no graceful anything."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(STOP_TIMEOUT)
        self.wait_gone()

    def terminate(self):
        """SIGTERM to the main process, as docs/deploy.md says: it stops the workers gracefully."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.kill(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.kill(self.process.pid, signal.SIGTERM)
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT)
            except ProcessLookupError:
                pass
        # Workers that outlived the main process (they should not) go too.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()

    def restart(self):
        self.stop()
        return self.start().wait_ready()

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_records(self):
        """The JSON lines this instance logged (its own and Granian's)."""
        records = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records


class Cluster:
    """Everything the scale tests talk to; built by the ``cluster`` fixture in conftest.py."""

    def __init__(self, pg_url, redis_url, work_dir):
        self.pg_url = pg_url  # the real PostgreSQL server (maintenance database)
        self.redis_url = redis_url  # the real Redis, with the database number to use
        self.work_dir = Path(work_dir)
        self.tag = secrets.token_hex(4)
        self.qsm_db = f"qsm_scale_{self.tag}"
        self.smartship_db = f"smartship_scale_{self.tag}"
        self.ratelimit_prefix = f"qsm-scale-{self.tag}"
        self.instances = {}
        self.proxies = []

    # --- addresses -----------------------------------------------------------------------

    def direct_db_url(self, database):
        """SQLAlchemy URL of a site database, straight to PostgreSQL (set-up and inspection)."""
        return with_port(self.pg_url, urlsplit(self.pg_url).port or 5432, database).replace(
            "postgresql://", "postgresql+psycopg://", 1
        )

    def proxied_db_url(self, database):
        # The connect timeout docs/deploy.md recommends: a dependency that is down fails fast.
        url = with_port(self.pg_url, self.pg_proxy.port, database, "connect_timeout=5")
        return url.replace("postgresql://", "postgresql+psycopg://", 1)

    def proxied_redis_url(self):
        return with_port(self.redis_url, self.redis_proxy.port, query="socket_timeout=2&socket_connect_timeout=2")

    @property
    def issuer(self):
        return f"http://127.0.0.1:{self.qsm_lb.port}"

    @property
    def smartship_url(self):
        return f"http://127.0.0.1:{self.smartship_lb.port}"

    @property
    def qsm_a(self):
        return self.instances["qsm-a"]

    @property
    def qsm_b(self):
        return self.instances["qsm-b"]

    @property
    def smartship_a(self):
        return self.instances["smartship-a"]

    @property
    def smartship_b(self):
        return self.instances["smartship-b"]

    # --- set-up --------------------------------------------------------------------------

    def start_proxies(self):
        pg = urlsplit(self.pg_url)
        redis = urlsplit(self.redis_url)
        self.pg_proxy = self._proxy((pg.hostname or "127.0.0.1", pg.port or 5432), "pg")
        self.redis_proxy = self._proxy((redis.hostname or "127.0.0.1", redis.port or 6379), "redis")
        # The balancers need the instances' ports, known before the instances start.
        self.qsm_lb = self._proxy(("127.0.0.1", 9), "qsm-lb")
        self.smartship_lb = self._proxy(("127.0.0.1", 9), "smartship-lb")

    def _proxy(self, target, name):
        proxy = TcpProxy(target, name)
        self.proxies.append(proxy)
        return proxy

    def secrets_for(self, smartship_client):
        self.qsm_secret_key = secrets.token_urlsafe(48)
        self.smartship_secret_key = secrets.token_urlsafe(48)
        self.smartship_client = smartship_client
        from cryptography.fernet import Fernet

        self.fernet_keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]

    def qsm_environment(self):
        return {
            **base_environment(),
            # Production config: the secret checks run, cookies are Secure unless told otherwise.
            "QSM_ENV": "production",
            "QSM_SECRET_KEY": self.qsm_secret_key,
            "QSM_KEY_ENCRYPTION_KEYS": self.fernet_keys[0],
            "QSM_DATABASE_URL": self.proxied_db_url(self.qsm_db),
            "QSM_REDIS_URL": self.proxied_redis_url(),
            "QSM_RATELIMIT_PREFIX": self.ratelimit_prefix,
            "QSM_ISSUER": self.issuer,
            "QSM_SIGNING_KEY_CACHE_SECONDS": "2",
            # Plain HTTP on 127.0.0.1 in the test: a Secure cookie would never come back.
            "QSM_SESSION_COOKIE_SECURE": "0",
            # bcrypt at 12 rounds costs ~250 ms a login on 2 cores; the cost is not what is tested.
            "QSM_BCRYPT_ROUNDS": "4",
            "QSM_SMARTSHIP_SIGNUP_URL": f"{self.smartship_url}/linked-signup/start?platform={PLATFORM_ID}",
            "QSM_SMARTSHIP_LOGIN_URL": f"{self.smartship_url}/login/qsm?platform={PLATFORM_ID}",
            # Client addresses from the X-Forwarded-For of one balancer in front (docs/deploy.md);
            # requests without one (the tests' own) keep the peer's address.
            "QSM_TRUSTED_PROXY_HOPS": "1",
        }

    def smartship_environment(self):
        client_id, client_secret = self.smartship_client
        return {
            **base_environment(),
            "SMARTSHIP_ENV": "production",
            "SMARTSHIP_SECRET_KEY": self.smartship_secret_key,
            "SMARTSHIP_DATABASE_URL": self.proxied_db_url(self.smartship_db),
            "SMARTSHIP_REDIS_URL": self.proxied_redis_url(),
            "SMARTSHIP_BASE_URL": self.smartship_url,
            "SMARTSHIP_PLATFORMS": json.dumps(
                [
                    {
                        "id": PLATFORM_ID,
                        "name": "Qoo10 Singapore",
                        "issuer": self.issuer,
                        "client_id": client_id,
                        "client_secret": client_secret,
                    }
                ]
            ),
            # Newest first: the second key only decrypts (what a rotation leaves behind).
            "SMARTSHIP_TOKEN_ENCRYPTION_KEYS": ",".join(self.fernet_keys),
            "SMARTSHIP_SESSION_COOKIE_SECURE": "0",
            "SMARTSHIP_BCRYPT_ROUNDS": "4",
            "SMARTSHIP_MAIL_BACKEND": "outbox",
            "SMARTSHIP_MAIL_OUTBOX": str(self.work_dir / "outbox"),
        }

    def start_instances(self):
        log_dir = self.work_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        for name, site, env in (
            ("qsm-a", "qsm", self.qsm_environment()),
            ("qsm-b", "qsm", self.qsm_environment()),
            ("smartship-a", "smartship", self.smartship_environment()),
            ("smartship-b", "smartship", self.smartship_environment()),
        ):
            self.instances[name] = Instance(name, site, env, log_dir)
        self.qsm_lb.targets = [("127.0.0.1", self.qsm_a.port), ("127.0.0.1", self.qsm_b.port)]
        self.smartship_lb.targets = [("127.0.0.1", self.smartship_a.port), ("127.0.0.1", self.smartship_b.port)]
        for instance in self.instances.values():
            instance.start()
        for instance in self.instances.values():
            instance.wait_ready()

    def flask_cli(self, site, *args, timeout=60):
        """The operator's ``flask --app wsgi:<site> ...``, with that site's production environment."""
        env = self.qsm_environment() if site == "qsm" else self.smartship_environment()
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", f"wsgi:{site}", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return json.loads(result.stdout)

    def stop(self):
        # SIGTERM to all first, so the graceful shutdowns run side by side.
        for instance in self.instances.values():
            instance.terminate()
        for instance in self.instances.values():
            try:
                instance.stop()
            except Exception:  # keep stopping the others
                pass
        for proxy in self.proxies:
            proxy.close()
