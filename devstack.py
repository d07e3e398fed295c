"""The whole QSM Connect system on this machine, for a demo: ``python -m devstack``.

Two QSM marketplaces (Qoo10 Singapore and Qoo10 Global), SmartShip and Parcel Pal (the demo
third-party app), each in a process
of its own (``python -m devstack serve qsm``), on 127.0.0.1. The supervisor starts them
together, shows their output prefixed with the site's name, prints the URLs and demo
credentials once every site answers, and stops them all on Ctrl-C, SIGTERM, or when one
of them dies.

Each site migrates its own SQLite database in the instance folder (``instance/``, or
``$QSM_CONNECT_INSTANCE``) and loads its demo data. The secrets the sites share (session
keys, SmartShip's client secret at each QSM, its token encryption key) are made at the
first run and kept in ``instance/devstack.json``, so every site, and every later run,
reads the same ones.

Addresses: ``<SITE>_HOST`` and ``<SITE>_PORT`` (QSM_PORT, QSM_GLOBAL_PORT, SMARTSHIP_PORT...).
``python -m devstack flask SITE ARGS...`` runs a site's Flask CLI with the demo's settings.

What the demo sets is only what ties the sites together (addresses, databases, shared secrets,
cookie names, SmartShip's platforms); every other setting is each site's own (config.py), read
from the environment as usual: SmartShip's mail goes to the outbox unless SMARTSHIP_MAIL_BACKEND
says ``smtp``. QSM's registrations of SmartShip and Parcel Pal are built from those sites' own
settings (``Stack.settings``: client IDs, scopes, URLs), and the demo data is each site's
(``idp/demo.py``, ``clients/smartship/demo.py``).

Why a supervisor of its own, not a Procfile runner such as honcho: honcho's ``Manager`` starts
the processes, prefixes their output and stops them all when one ends, but the demo needs more
around it: wait until every site answers HTTP (within a time limit) and only then print one
banner built from what each site reports (its URL, demo logins, where mail goes); exit 0 on
Ctrl-C or SIGTERM (honcho returns 130 or 143); and a site that outlives a killed supervisor
stops when its standard input closes. Those would be a custom printer that parses output lines,
a thread that polls the sites and calls into the manager from outside its loop, and a wrapper
for the exit code: no shorter than the ~130 lines below, and one more dependency.
"""
import argparse
import http.client
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import config

ROOT = Path(__file__).resolve().parent
STATE_FILE = "devstack.json"
SUPERVISED = "DEVSTACK_SUPERVISED"
READY_MARKER = "@devstack-ready "
READY_BANNER = "QSM Connect demo is ready"
STARTUP_TIMEOUT = 120
STOP_TIMEOUT = 10

# Set only when the environment does not say otherwise: werkzeug already logs each request.
LOGGING_DEFAULTS = {
    "QSM_LOG_REQUESTS": "0",
    "SMARTSHIP_LOG_REQUESTS": "0",
    "SMARTSHIP_LOG_JSON": "0",
    "DEMO_APP_LOG_REQUESTS": "0",
    "DEMO_APP_LOG_JSON": "0",
}


def instance_dir():
    return config.instance_folder()


def base_url(host, port):
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


# --- the sites ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    """A QSM marketplace of the demo, and how SmartShip knows it."""

    site: str  # the devstack site that serves it
    id: str  # its ID at SmartShip: ?platform=<id>, /auth/callback/<id>
    name: str
    database: str  # SQLite file in the instance folder
    time_zone: str  # the marketplace's: its pages' times until a seller chooses their own

    @property
    def session_cookie(self):
        """Cookies on one host are shared by every port: each QSM needs its own session cookie."""
        return self.site.replace("-", "_") + "_session"


PLATFORMS = (
    Platform("qsm", "qoo10-sg", "Qoo10 Singapore", "qsm.db", "Asia/Singapore"),
    Platform("qsm-global", "qoo10-global", "Qoo10 Global", "qsm_global.db", "Asia/Tokyo"),
)


@dataclass(frozen=True)
class Site:
    name: str
    title: str
    env_prefix: str  # of its <PREFIX>_HOST and <PREFIX>_PORT
    default_port: int
    kind: str  # its code: wsgi:<kind> (for the Flask CLI), config.load(<kind>)
    environment: Callable  # (stack) -> {variable: value} that this site's config reads
    prepare: Callable  # (stack, environ) -> (wsgi app, lines for the banner); runs in the site's process

    def address(self):
        host = os.environ.get(f"{self.env_prefix}_HOST") or "127.0.0.1"
        port = int(os.environ.get(f"{self.env_prefix}_PORT") or self.default_port)
        return host, port

    def url(self):
        return base_url(*self.address())


class Stack:
    """What every site of one demo knows: the instance folder, the shared secrets, the addresses."""

    def __init__(self, instance):
        self.instance = instance
        self.state = load_state(instance)

    def url(self, site_name):
        return SITES[site_name].url()

    def sqlite_url(self, filename):
        return f"sqlite:///{self.instance / filename}"

    def settings(self, site_name):
        """What that site reads in the demo (config.load), as its own process does."""
        site = SITES[site_name]
        return config.load(site.kind, "development", site_environment(site, self))


def new_fernet_key():
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def client_secret_key(platform):
    return f"smartship.client_secret@{platform.id}"


def state_factories():
    """Each shared secret, by its key in devstack.json; a key added here is filled in on the next run."""
    factories = {f"{name}.secret_key": lambda: secrets.token_urlsafe(48) for name in SITES}
    factories["smartship.token_encryption_key"] = new_fernet_key
    factories["demo-app.token_encryption_key"] = new_fernet_key
    factories["parcel_pal.client_secret"] = lambda: secrets.token_urlsafe(32)
    for platform in PLATFORMS:
        factories[client_secret_key(platform)] = lambda: secrets.token_urlsafe(32)
        factories[f"{platform.site}.key_encryption_key"] = new_fernet_key
    return factories


def load_state(instance):
    """The shared demo secrets, made and saved (readable by the owner only) when missing."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / STATE_FILE
    state = json.loads(path.read_text()) if path.exists() else {}
    missing = {name: make() for name, make in state_factories().items() if name not in state}
    if missing:
        state.update(missing)
        partial = path.with_suffix(".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            json.dump(state, file, indent=2)
        os.replace(partial, path)
    return state


# QSM ---------------------------------------------------------------------------------------


def migrate_demo_database(stack, app):
    """Bring the site's SQLite file to the newest revision, or say how to start afresh."""
    from flask_migrate import upgrade

    try:
        upgrade()
    except SystemExit:  # Flask-Migrate has logged alembic's reason
        database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        print(
            f"{database} cannot be migrated: it is probably at a schema revision that was squashed away."
            f" Delete {stack.instance} to start the demo afresh (its data is made again).",
            flush=True,
        )
        raise


def smartship_registration(stack, platform):
    """SmartShip's client at this QSM, as SmartShip is configured for it: the marketplace's own
    family site, trusted and confidential."""
    smartship = stack.settings("smartship")
    client = next(p for p in smartship["PLATFORMS"] if p["id"] == platform.id)
    url = smartship["BASE_URL"]
    settings = {
        "name": "SmartShip",
        "redirect_uris": [f"{url}/auth/callback/{platform.id}"],
        "post_logout_redirect_uris": [f"{url}/login"],
        "scope": smartship["QSM_SCOPE"],
        "grant_types": ("authorization_code", "refresh_token"),
        "home_page": url + "/",
        "backchannel_logout_uri": f"{url}/backchannel-logout/{platform.id}",
        "trusted": True,
    }
    return client["client_id"], client["client_secret"], settings


def parcel_pal_registration(stack, platform):
    """Parcel Pal, the demo third-party app, at the QSM it is configured for (Singapore's) only:
    an ordinary developer's app, never trusted, so sellers see QSM's consent page. It pushes its
    authorization requests (RFC 9126) and is registered as requiring that, so QSM refuses a plain
    one in its name."""
    parcel_pal = stack.settings("demo-app")
    if parcel_pal["QSM_ISSUER"] != stack.url(platform.site):
        return None
    url = parcel_pal["BASE_URL"]
    settings = {
        "name": "Parcel Pal",
        "redirect_uris": [f"{url}/callback"],
        "post_logout_redirect_uris": [f"{url}/"],
        "scope": parcel_pal["QSM_SCOPE"],
        "grant_types": ("authorization_code",),
        "home_page": url + "/",
        "backchannel_logout_uri": f"{url}/backchannel-logout",
        "trusted": False,
        "require_pushed_authorization_requests": True,
    }
    return parcel_pal["CLIENT_ID"], parcel_pal["CLIENT_SECRET"], settings


# The clients each QSM registers at start-up (a registration may be for one QSM only: None elsewhere).
CLIENTS_AT_QSM = [smartship_registration, parcel_pal_registration]


def qsm_environment(platform):
    def environment(stack):
        smartship = stack.url("smartship")
        return {
            "QSM_ENV": "development",
            "QSM_ISSUER": stack.url(platform.site),
            "QSM_DATABASE_URL": stack.sqlite_url(platform.database),
            "QSM_PLATFORM_NAME": platform.name,
            "QSM_TIME_ZONE": platform.time_zone,
            "QSM_SESSION_COOKIE_NAME": platform.session_cookie,
            "QSM_SECRET_KEY": stack.state[f"{platform.site}.secret_key"],
            "QSM_KEY_ENCRYPTION_KEYS": stack.state[f"{platform.site}.key_encryption_key"],
            "QSM_RATELIMIT_PREFIX": platform.site,
            "QSM_SMARTSHIP_SIGNUP_URL": f"{smartship}/linked-signup/start?platform={platform.id}",
            "QSM_SMARTSHIP_LOGIN_URL": f"{smartship}/login/qsm?platform={platform.id}",
        }

    return environment


def prepare_qsm(platform):
    def prepare(stack, environ):
        from flask import url_for

        from idp import create_app
        from idp.demo import DEMO_PASSWORD, seed_demo

        app = create_app(environ=environ)
        with app.app_context():
            migrate_demo_database(stack, app)
            clients = [c for c in (registration(stack, platform) for registration in CLIENTS_AT_QSM) if c is not None]
            emails = [seller.email for seller in seed_demo(clients=clients)]
        with app.test_request_context(base_url=app.config["ISSUER"]):
            discovery = url_for("oauth.discovery", _external=True)
            join_smartship = url_for("portal.qx_smart_inventory", _external=True)
        notes = [
            f"discovery  {discovery}",
            f"sellers    {', '.join(emails)}",
            f"password   {DEMO_PASSWORD}",
            f"Join SmartShip from {join_smartship}",
        ]
        return app, notes

    return prepare


# SmartShip ---------------------------------------------------------------------------------


def smartship_environment(stack):
    """SmartShip at each QSM of the demo. Its mail is left to the environment: by default
    (SMARTSHIP_MAIL_BACKEND unset) written to the outbox in the instance folder."""
    platforms = [
        {
            "id": platform.id,
            "name": platform.name,
            "issuer": stack.url(platform.site),
            "client_secret": stack.state[client_secret_key(platform)],
        }
        for platform in PLATFORMS
    ]
    return {
        "SMARTSHIP_ENV": "development",
        "SMARTSHIP_BASE_URL": stack.url("smartship"),
        "SMARTSHIP_DATABASE_URL": stack.sqlite_url("smartship.db"),
        "SMARTSHIP_SECRET_KEY": stack.state["smartship.secret_key"],
        "SMARTSHIP_TOKEN_ENCRYPTION_KEYS": stack.state["smartship.token_encryption_key"],
        "SMARTSHIP_PLATFORMS": json.dumps(platforms),
    }


def where_mail_goes(settings):
    if settings["MAIL_BACKEND"] == "smtp":
        return f"sent through the SMTP server at {settings['MAIL_SERVER']}:{settings['MAIL_PORT']}"
    return f"written to {settings['MAIL_OUTBOX']}"


def prepare_smartship(stack, environ):
    from clients.smartship import create_app
    from clients.smartship.demo import seed_demo

    app = create_app(environ=environ)
    with app.app_context():
        migrate_demo_database(stack, app)
        demo = seed_demo()
    accounts = [
        f"{account['login_id']} ({account['email']}{', primary' if account['primary'] else ''})"
        for account in demo["accounts"]
    ]
    notes = [
        f"accounts   {', '.join(accounts)}",
        f"password   {demo['password']}",
        f"mail       {where_mail_goes(app.config)}",
    ]
    return app, notes


# Parcel Pal --------------------------------------------------------------------------------


def demo_app_environment(stack):
    return {
        "DEMO_APP_ENV": "development",
        "DEMO_APP_BASE_URL": stack.url("demo-app"),
        "DEMO_APP_DATABASE_URL": stack.sqlite_url("demo_app.db"),
        "DEMO_APP_SECRET_KEY": stack.state["demo-app.secret_key"],
        "DEMO_APP_TOKEN_ENCRYPTION_KEYS": stack.state["demo-app.token_encryption_key"],
        "DEMO_APP_QSM_ISSUER": stack.url("qsm"),
        "DEMO_APP_CLIENT_SECRET": stack.state["parcel_pal.client_secret"],
    }


def prepare_demo_app(stack, environ):
    from clients.demo_app import create_demo_app

    app = create_demo_app(environ=environ)
    with app.app_context():
        migrate_demo_database(stack, app)
    notes = ["Log in with QSM (Qoo10 Singapore): sellers see QSM's consent page, then their orders"]
    return app, notes


def qsm_site(platform, default_port):
    env_prefix = platform.site.upper().replace("-", "_")
    title = f"QSM {platform.name}"
    environment, prepare = qsm_environment(platform), prepare_qsm(platform)
    return Site(platform.site, title, env_prefix, default_port, "qsm", environment, prepare)


QSM_SINGAPORE, QSM_GLOBAL = PLATFORMS

# Every site of the demo, in the order the banner lists them.
SITES = {
    site.name: site
    for site in [
        qsm_site(QSM_SINGAPORE, 5000),
        qsm_site(QSM_GLOBAL, 5003),
        Site("smartship", "SmartShip", "SMARTSHIP", 5001, "smartship", smartship_environment, prepare_smartship),
        Site(
            "demo-app",
            "Parcel Pal (demo third-party app)",
            "DEMO_APP",
            5002,
            "demo_app",
            demo_app_environment,
            prepare_demo_app,
        ),
    ]
}


# --- one site, in its own process --------------------------------------------------------


def stop_on_signal(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough: the watcher may send one more
    raise SystemExit(0)


def stop_when_supervisor_goes():
    """The supervisor holds our stdin open; end of file means it is gone, so stop too."""

    def watch():
        sys.stdin.read()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


def not_ready_yet(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "1")])
    return [b"starting\n"]


def site_environment(site, stack):
    """This process's environment plus what the site reads in the demo."""
    environment = dict(LOGGING_DEFAULTS, **os.environ)
    environment.update(site.environment(stack))
    # The sites call each other on loopback; a proxy named in the shell must not get those calls.
    for name in ("NO_PROXY", "no_proxy"):
        environment[name] = ",".join(filter(None, [environment.get(name), "127.0.0.1", "localhost", "::1"]))
    return environment


def flask_command(site, arguments):
    """The site's Flask CLI on the demo's databases and settings: ``flask --app wsgi:... ARGS``."""
    command = [sys.executable, "-m", "flask", "--app", f"wsgi:{site.kind}", *arguments]
    return subprocess.call(command, cwd=ROOT, env=site_environment(site, Stack(instance_dir())))


def serve(site):
    from werkzeug.serving import make_server

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    stack = Stack(instance_dir())
    environment = site_environment(site, stack)
    os.environ.update(environment)  # NO_PROXY, for the calls to the other sites
    host, port = site.address()
    try:
        # Listen before the slow part, so a port already in use is reported at once.
        server = make_server(host, port, not_ready_yet, threaded=True)
    except SystemExit:  # werkzeug has printed why it could not listen
        print(
            f"{site.name} cannot listen on {host}:{port}; choose another port with {site.env_prefix}_PORT", flush=True
        )
        return 1
    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        server.app, notes = site.prepare(stack, environment)
        info = {"url": site.url() + "/", "notes": notes}
        if os.environ.get(SUPERVISED):
            stop_when_supervisor_goes()
            print(READY_MARKER + json.dumps(info), flush=True)
        else:
            print("\n".join(describe(site, info)), flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.server_close()
    return 0


def describe(site, info):
    return [f"  {site.title}: {info['url']}"] + [f"    {line}" for line in info["notes"]]


# --- the supervisor ----------------------------------------------------------------------

output_lock = threading.Lock()


def say(text):
    with output_lock:
        print(text, flush=True)


class StartupError(RuntimeError):
    pass


def answers(site):
    """Whether the site answers HTTP with anything but a 5xx (not through any proxy)."""
    host, port = site.address()
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status < 500
    except OSError:
        return False
    finally:
        connection.close()


class SiteProcess:
    def __init__(self, site, label_width):
        self.site = site
        self.label = site.name.rjust(label_width)
        self.ready = threading.Event()
        self.info = None
        environment = dict(os.environ, PYTHONUNBUFFERED="1", **{SUPERVISED: "1"})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "serve", site.name],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.reader = threading.Thread(target=self.forward_output, name=f"{site.name}-output", daemon=True)
        self.reader.start()

    def forward_output(self):
        for line in self.process.stdout:
            if line.startswith(READY_MARKER) and not self.ready.is_set():
                self.info = json.loads(line[len(READY_MARKER):])
                self.ready.set()
            else:
                say(f"{self.label} | {line.rstrip()}")

    def is_ready(self):
        if self.process.poll() is not None:
            self.reader.join(2)
            raise StartupError(f"{self.site.name} exited with code {self.process.returncode} before it was ready")
        return self.ready.is_set() and answers(self.site)

    def running(self):
        return self.process.poll() is None

    def request_stop(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass  # it is gone already
        if self.running():
            self.process.terminate()

    def wait_stopped(self):
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            say(f"{self.label} | did not stop in {STOP_TIMEOUT} seconds; killing it")
            self.process.kill()
            self.process.wait()
        self.reader.join(2)


def wait_until_ready(processes):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    waiting = list(processes)
    while waiting:
        waiting = [process for process in waiting if not process.is_ready()]
        if waiting and time.monotonic() > deadline:
            names = ", ".join(process.site.name for process in waiting)
            raise StartupError(f"not ready after {STARTUP_TIMEOUT} seconds: {names}")
        time.sleep(0.1)


def interrupt(signum, frame):
    raise KeyboardInterrupt


def banner(instance, started):
    lines = [f"\n{READY_BANNER} (data in {instance}):"]
    for process in started:
        lines += describe(process.site, process.info)
    return "\n".join(lines + ["Press Ctrl-C to stop.\n"])


def supervise(sites):
    instance = instance_dir()
    load_state(instance)  # once here, so the sites never race to make it
    signal.signal(signal.SIGTERM, interrupt)
    width = max(len(site.name) for site in sites)
    started = []
    try:
        for site in sites:
            started.append(SiteProcess(site, width))
        wait_until_ready(started)
        say(banner(instance, started))
        while all(p.running() for p in started):
            time.sleep(0.2)
        dead = next(p for p in started if not p.running())
        say(f"devstack: {dead.site.name} stopped with code {dead.process.returncode}; stopping the others")
        return 1
    except StartupError as error:
        say(f"devstack: {error}")
        return 1
    except KeyboardInterrupt:
        say("\nStopping...")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        for process in reversed(started):
            process.request_stop()
        for process in reversed(started):
            process.wait_stopped()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    up = commands.add_parser("up", help="start every site, or only those named (the default command)")
    up.add_argument("sites", nargs="*", metavar="SITE", help=f"one of {', '.join(SITES)}")
    serve_command = commands.add_parser("serve", help="run one site in this process")
    serve_command.add_argument("site", choices=list(SITES))
    flask = commands.add_parser(
        "flask",
        help="run a site's Flask CLI on the demo's data",
        description="e.g. python -m devstack flask smartship fulfillment approve kimchi-market",
    )
    flask.add_argument("site", choices=list(SITES))
    flask.add_argument("arguments", nargs=argparse.REMAINDER, help="what follows `flask --app wsgi:...`")
    args = parser.parse_args(argv)
    if args.command == "flask":
        return flask_command(SITES[args.site], args.arguments)
    if args.command == "serve":
        try:
            return serve(SITES[args.site])
        except KeyboardInterrupt:
            return 130
    names = getattr(args, "sites", None) or list(SITES)
    unknown = [name for name in names if name not in SITES]
    if unknown:
        parser.error(f"unknown site {', '.join(unknown)}; choose from {', '.join(SITES)}")
    return supervise([SITES[name] for name in names])


if __name__ == "__main__":
    sys.exit(main())
