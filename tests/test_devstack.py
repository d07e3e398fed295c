"""``python -m devstack``: the demo launcher, run for real on free ports of 127.0.0.1."""
import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from alembic.script import ScriptDirectory

import config
import devstack
from clients.smartship.demo import DEMO_ACCOUNTS, DEMO_PASSWORD as SMARTSHIP_DEMO_PASSWORD
from idp.demo import DEMO_PASSWORD, DEMO_SELLERS
from tests.support.pages import csrf_token

START_TIMEOUT = 90
STOP_TIMEOUT = 20
HTTP_TIMEOUT = 10
QSM_SITES = [platform.site for platform in devstack.PLATFORMS]
# The demo's clients as they configure themselves (config.py's defaults).
PARCEL_PAL = config.load("demo_app", "development", environ={})
SMARTSHIP = config.load("smartship", "development", environ={})


def free_ports(count):
    with ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


def port_is_open(port):
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Stack:
    """One ``python -m devstack`` process group on its own ports, its output read line by line."""

    def __init__(self, instance, ports=None, extra_environment=()):
        self.instance = instance
        self.ports = ports or dict(zip(devstack.SITES, free_ports(len(devstack.SITES)), strict=True))
        self.lines = []
        self.ready = threading.Event()
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("QSM_", "SMARTSHIP_", devstack.SUPERVISED))
        }
        environment.update(QSM_CONNECT_INSTANCE=str(instance), QSM_BCRYPT_ROUNDS="4", SMARTSHIP_BCRYPT_ROUNDS="4")
        for name, port in self.ports.items():
            environment[f"{devstack.SITES[name].env_prefix}_PORT"] = str(port)
        environment.update(extra_environment)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devstack"],
            cwd=devstack.ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so teardown can end every site
        )
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for line in self.process.stdout:
            self.lines.append(line)
            if devstack.READY_BANNER in line:
                self.ready.set()

    def url(self, site):
        return f"http://127.0.0.1:{self.ports[site]}"

    @property
    def output(self):
        return "".join(self.lines)

    def wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ready.wait(0.2):
            assert self.process.poll() is None, f"devstack exited early:\n{self.output}"
            assert time.monotonic() < deadline, f"devstack not ready after {START_TIMEOUT}s:\n{self.output}"

    def stop(self, signum):
        self.process.send_signal(signum)
        status = self.process.wait(STOP_TIMEOUT)
        self.reader.join(5)
        return status

    def kill(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        else:
            try:  # the supervisor is gone; end any site it left behind
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.reader.join(5)
        self.process.stdout.close()


@pytest.fixture
def launch(tmp_path):
    """``launch(**options)``: a devstack process, not waited for; every one is killed at the end."""
    stacks = []

    def start(**options):
        stack = Stack(tmp_path / "instance", **options)
        stacks.append(stack)
        return stack

    yield start
    for stack in stacks:
        stack.kill()


@pytest.fixture
def start_stack(launch):
    def start(**options):
        stack = launch(**options)
        stack.wait_until_ready()
        return stack

    return start


@pytest.fixture
def browser():
    with requests.Session() as session:
        session.trust_env = False  # never through a proxy: the stack is on loopback
        yield session


def log_in(browser, qsm_url, email, password=DEMO_PASSWORD):
    login_page = browser.get(f"{qsm_url}/login", timeout=HTTP_TIMEOUT)
    return browser.post(
        f"{qsm_url}/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(login_page.text)},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )


def query_of(url):
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory):
    """One demo stack shared by the tests that only look at it."""
    # A proxy named in the shell, which the sites must not use to reach each other.
    unreachable_proxy = "http://127.0.0.1:9"
    stack = Stack(
        tmp_path_factory.mktemp("shared") / "instance",
        extra_environment={"http_proxy": unreachable_proxy, "HTTP_PROXY": unreachable_proxy},
    )
    try:
        stack.wait_until_ready()
        yield stack
    finally:
        stack.kill()


@pytest.mark.live
@pytest.mark.parametrize("platform", devstack.PLATFORMS, ids=lambda p: p.site)
def test_each_qsm_publishes_discovery_at_its_own_issuer(running_stack, browser, platform):
    url = running_stack.url(platform.site)
    discovery = browser.get(f"{url}/.well-known/openid-configuration", timeout=HTTP_TIMEOUT)

    assert discovery.status_code == 200
    assert discovery.json()["issuer"] == url
    assert discovery.json()["authorization_endpoint"] == f"{url}/oauth/authorize"


@pytest.mark.live
def test_parcel_pal_sends_a_seller_to_the_singapore_qsm_as_an_ordinary_app(running_stack, browser):
    qsm_url, app_url = running_stack.url("qsm"), running_stack.url("demo-app")
    home = browser.get(f"{app_url}/", timeout=HTTP_TIMEOUT)
    assert home.status_code == 200 and "Log in with QSM" in home.text
    response = browser.post(
        f"{app_url}/login", data={"csrf_token": csrf_token(home.text)}, allow_redirects=False, timeout=HTTP_TIMEOUT
    )
    assert response.status_code == 302 and response.headers["Location"].startswith(f"{qsm_url}/oauth/authorize?")
    # The request was pushed (RFC 9126): the browser carries only its reference.
    params = query_of(response.headers["Location"])
    assert set(params) == {"client_id", "request_uri"}
    assert params["client_id"] == PARCEL_PAL["CLIENT_ID"]
    # QSM knows what was pushed: after the login and the consent page, the code goes to Parcel Pal's callback.
    log_in(browser, qsm_url, DEMO_SELLERS[0]["email"])
    consent = browser.get(response.headers["Location"], timeout=HTTP_TIMEOUT)
    assert consent.status_code == 200 and "Parcel Pal wants to access your QSM account" in consent.text, consent.text
    answer = browser.post(
        consent.url,
        data={"csrf_token": csrf_token(consent.text), "decision": "allow"},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 302 and answer.headers["Location"].startswith(f"{app_url}/callback?")
    assert "code" in query_of(answer.headers["Location"])
    orders = browser.get(answer.headers["Location"], timeout=HTTP_TIMEOUT)
    assert orders.url == f"{app_url}/orders" and DEMO_SELLERS[0]["shop_name"] in orders.text, orders.text


@pytest.mark.live
def test_parcel_pal_is_registered_as_requiring_pushed_requests(running_stack, browser):
    qsm_url, app_url = running_stack.url("qsm"), running_stack.url("demo-app")
    plain = browser.get(
        f"{qsm_url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": PARCEL_PAL["CLIENT_ID"],
            "redirect_uri": f"{app_url}/callback",
            "scope": "openid",
            "state": "s" * 20,
            "nonce": "n" * 20,
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    assert plain.status_code == 302 and plain.headers["Location"].startswith(f"{app_url}/callback?")
    assert query_of(plain.headers["Location"])["error"] == "invalid_request"


@pytest.mark.live
@pytest.mark.parametrize("platform", devstack.PLATFORMS, ids=lambda p: p.site)
def test_smartship_sends_a_seller_to_the_authorize_endpoint_of_the_chosen_qsm(running_stack, browser, platform):
    qsm_url, smartship_url = running_stack.url(platform.site), running_stack.url("smartship")
    discovery = browser.get(f"{qsm_url}/.well-known/openid-configuration", timeout=HTTP_TIMEOUT).json()

    response = browser.get(
        f"{smartship_url}/linked-signup/start",
        params={"platform": platform.id},
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith(discovery["authorization_endpoint"] + "?")
    params = query_of(response.headers["Location"])
    assert params["client_id"] == SMARTSHIP["PLATFORMS"][0]["client_id"]
    assert params["redirect_uri"] == f"{smartship_url}/auth/callback/{platform.id}"


@pytest.mark.live
def test_demo_seller_logs_in_at_both_qsms_in_one_browser_and_joins_smartship_from_each(running_stack, browser):
    seller = DEMO_SELLERS[0]
    for platform in devstack.PLATFORMS:
        response = log_in(browser, running_stack.url(platform.site), seller["email"])
        assert response.status_code == 302, response.text

    smartship_url = running_stack.url("smartship")
    for platform in devstack.PLATFORMS:
        qsm_url = running_stack.url(platform.site)
        # Both QSMs on one host: each keeps its own session cookie, so both stay logged in.
        home = browser.get(f"{qsm_url}/", allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert home.status_code == 200 and seller["shop_name"] in home.text
        assert platform.name in home.text

        inventory = browser.get(f"{qsm_url}/listing/option-management/qx-smart-inventory", timeout=HTTP_TIMEOUT)
        assert f"{smartship_url}/linked-signup/start?platform={platform.id}" in inventory.text

        # Join SmartShip: QSM sends the logged-in seller straight back (SmartShip is trusted), and
        # SmartShip redeems the code with its secret from devstack.json.
        signup = browser.get(f"{smartship_url}/linked-signup/start?platform={platform.id}", timeout=HTTP_TIMEOUT)
        assert signup.status_code == 200, signup.text
        assert signup.url == f"{smartship_url}/linked-signup"
        assert f"{platform.name} - Join SmartShip" in signup.text


@pytest.mark.live
def test_the_banner_names_every_site_and_the_demo_credentials(running_stack):
    banner = running_stack.output.split(devstack.READY_BANNER, 1)[1]

    for site in devstack.SITES:
        assert f"{running_stack.url(site)}/" in banner
    for seller in DEMO_SELLERS:
        assert seller["email"] in banner
    assert DEMO_PASSWORD in banner
    for account in DEMO_ACCOUNTS:
        assert account["login_id"] in banner
    assert SMARTSHIP_DEMO_PASSWORD in banner


@pytest.mark.live
def test_ctrl_c_stops_every_site(start_stack):
    stack = start_stack()
    assert all(port_is_open(port) for port in stack.ports.values())

    assert stack.stop(signal.SIGINT) == 0, stack.output
    assert not any(port_is_open(port) for port in stack.ports.values()), stack.output


@pytest.mark.live
def test_a_port_in_use_fails_the_start_and_says_which_variable_to_change(launch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = dict(
            zip(devstack.SITES, free_ports(len(devstack.SITES)), strict=True), smartship=taken.getsockname()[1]
        )
        stack = launch(ports=ports)

        assert stack.process.wait(START_TIMEOUT) == 1
        stack.reader.join(5)
    assert "SMARTSHIP_PORT" in stack.output
    assert devstack.READY_BANNER not in stack.output


@pytest.mark.live
def test_sigterm_stops_every_site_and_the_next_run_keeps_the_data_and_secrets(start_stack):
    first = start_stack()
    assert first.stop(signal.SIGTERM) == 0, first.output
    assert not any(port_is_open(port) for port in first.ports.values()), first.output
    state = json.loads((first.instance / devstack.STATE_FILE).read_text())
    with sqlite3.connect(first.instance / "qsm.db") as connection:  # as a demo made before Parcel Pal required PAR
        connection.execute("update oauth_clients set require_pushed_authorization_requests = 0")

    second = start_stack(ports=first.ports)
    assert json.loads((second.instance / devstack.STATE_FILE).read_text()) == state
    databases = {platform.database: "idp" for platform in devstack.PLATFORMS} | {
        "smartship.db": "smartship",
        "demo_app.db": "demo_app",
    }
    for database, migrations in databases.items():
        head = ScriptDirectory(str(devstack.ROOT / "migrations" / migrations)).get_current_head()
        with sqlite3.connect(second.instance / database) as connection:
            assert connection.execute("select version_num from alembic_version").fetchall() == [(head,)]
    with sqlite3.connect(second.instance / "qsm.db") as connection:
        emails = [row[0] for row in connection.execute("select email from sellers")]
        clients = connection.execute(
            "select client_id, trusted, require_pushed_authorization_requests from oauth_clients order by client_id"
        ).fetchall()
    assert sorted(emails) == sorted(seller["email"] for seller in DEMO_SELLERS)
    # Each registered once, however many runs: SmartShip trusted, Parcel Pal an ordinary app that
    # must push its authorization requests (set again on an instance made before it had to).
    assert clients == [(PARCEL_PAL["CLIENT_ID"], 0, 1), (SMARTSHIP["PLATFORMS"][0]["client_id"], 1, 0)]


def test_flask_command_runs_a_sites_cli_on_the_demo_database_and_settings(tmp_path):
    instance = tmp_path / "instance"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("QSM_", "SMARTSHIP_"))}
    environment.update(QSM_CONNECT_INSTANCE=str(instance), QSM_GLOBAL_PORT="6111", QSM_BCRYPT_ROUNDS="4")

    def devstack_flask(*arguments):
        command = [sys.executable, "-m", "devstack", "flask", "qsm-global", *arguments]
        return subprocess.run(command, cwd=devstack.ROOT, env=environment, capture_output=True, text=True, timeout=60)

    upgraded = devstack_flask("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    seeded = devstack_flask("seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    assert json.loads(seeded.stdout)["issuer"] == "http://127.0.0.1:6111"
    with sqlite3.connect(instance / "qsm_global.db") as connection:
        assert connection.execute("select count(*) from sellers").fetchone() == (len(DEMO_SELLERS),)
    assert not (instance / "qsm.db").exists()


def test_a_database_at_a_revision_that_is_gone_fails_the_start_and_says_to_start_afresh(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    with sqlite3.connect(instance / "smartship.db") as connection:
        connection.execute("create table alembic_version (version_num varchar(32) not null)")
        connection.execute("insert into alembic_version values ('squashedaway')")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("QSM_", "SMARTSHIP_"))}
    environment.update(QSM_CONNECT_INSTANCE=str(instance), SMARTSHIP_PORT=str(free_ports(1)[0]))

    served = subprocess.run(
        [sys.executable, "-m", "devstack", "serve", "smartship"],
        cwd=devstack.ROOT, env=environment, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )

    assert served.returncode == 1
    assert f"Delete {instance} to start the demo afresh" in served.stdout


# --- without servers -----------------------------------------------------------------------


def test_readme_quickstart_is_two_commands_and_ci_runs_the_second_as_written():
    readme = (devstack.ROOT / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [block.strip() for block in quickstart.split("```sh")[1:]]
    commands = [block.split("```", 1)[0].strip() for block in commands]

    assert commands == [
        "python3 -m pip install -e . && python3 -m devstack",
        'python3 -m pip install -e ".[test]" && python3 -m pytest',
    ]
    assert f"README_TEST_COMMAND='{commands[1]}'" in (devstack.ROOT / ".ci" / "run").read_text()



def test_state_is_made_once_readable_only_by_its_owner_and_kept(tmp_path):
    from cryptography.fernet import Fernet

    first = devstack.load_state(tmp_path / "instance")
    path = tmp_path / "instance" / devstack.STATE_FILE

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for site in devstack.SITES:
        assert len(first[f"{site}.secret_key"]) >= 32  # what config.check_production_secrets asks for
    Fernet(first["smartship.token_encryption_key"])
    client_secrets = [first[devstack.client_secret_key(platform)] for platform in devstack.PLATFORMS]
    assert len(set(client_secrets)) == len(devstack.PLATFORMS)
    assert devstack.load_state(tmp_path / "instance") == first


def test_each_instance_folder_gets_its_own_secrets(tmp_path):
    assert devstack.load_state(tmp_path / "one") != devstack.load_state(tmp_path / "two")


def test_state_made_by_an_older_devstack_gains_the_new_secrets(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / devstack.STATE_FILE).write_text(json.dumps({"qsm.secret_key": "kept-from-an-older-run"}))

    state = devstack.load_state(instance)

    assert state["qsm.secret_key"] == "kept-from-an-older-run"
    assert set(state) == set(devstack.state_factories())
    assert json.loads((instance / devstack.STATE_FILE).read_text()) == state


def test_every_qsm_has_its_own_session_cookie_database_and_platform_id():
    for field in ("site", "id", "name", "database", "session_cookie"):
        values = [getattr(platform, field) for platform in devstack.PLATFORMS]
        assert len(set(values)) == len(values), field
    clients = {PARCEL_PAL["SESSION_COOKIE_NAME"], SMARTSHIP["SESSION_COOKIE_NAME"]}
    assert not clients & {platform.session_cookie for platform in devstack.PLATFORMS}


def test_every_email_of_smartships_demo_accounts_is_a_qsm_demo_seller():
    # Otherwise no QSM seller could show "link an existing account" (or choose between two).
    assert {account["email"] for account in DEMO_ACCOUNTS} <= {seller["email"] for seller in DEMO_SELLERS}


@pytest.fixture
def demo_stack(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith(("QSM_", "SMARTSHIP_", "DEMO_APP_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QSM_CONNECT_INSTANCE", str(tmp_path / "instance"))
    return devstack.Stack(tmp_path / "instance")


def test_qsm_registers_each_client_as_that_client_is_configured(demo_stack, monkeypatch):
    monkeypatch.setenv("SMARTSHIP_CLIENT_ID", "smartship-demo")
    monkeypatch.setenv("DEMO_APP_CLIENT_ID", "parcel-pal-demo")
    singapore, global_ = devstack.PLATFORMS
    smartship_url, parcel_pal_url = demo_stack.url("smartship"), demo_stack.url("demo-app")

    client_id, secret, settings = devstack.smartship_registration(demo_stack, global_)
    assert (client_id, secret) == ("smartship-demo", demo_stack.state[devstack.client_secret_key(global_)])
    assert settings["scope"] == SMARTSHIP["QSM_SCOPE"] and settings["trusted"] is True
    assert settings["redirect_uris"] == [f"{smartship_url}/auth/callback/{global_.id}"]

    client_id, secret, settings = devstack.parcel_pal_registration(demo_stack, singapore)
    assert (client_id, secret) == ("parcel-pal-demo", demo_stack.state["parcel_pal.client_secret"])
    assert settings["scope"] == PARCEL_PAL["QSM_SCOPE"] and settings["trusted"] is False
    assert settings["redirect_uris"] == [f"{parcel_pal_url}/callback"]
    assert devstack.parcel_pal_registration(demo_stack, global_) is None  # configured for Singapore's QSM only


def test_smartships_mail_goes_to_the_outbox_unless_the_environment_says_otherwise(demo_stack, monkeypatch):
    outbox = demo_stack.settings("smartship")
    assert outbox["MAIL_BACKEND"] == "outbox" and outbox["MAIL_OUTBOX"] == str(demo_stack.instance / "outbox")
    assert devstack.where_mail_goes(outbox) == f"written to {demo_stack.instance / 'outbox'}"

    monkeypatch.setenv("SMARTSHIP_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("SMARTSHIP_MAIL_PORT", "1025")
    smtp = demo_stack.settings("smartship")
    assert (smtp["MAIL_BACKEND"], smtp["MAIL_SERVER"], smtp["MAIL_PORT"]) == ("smtp", "127.0.0.1", 1025)
    assert devstack.where_mail_goes(smtp) == "sent through the SMTP server at 127.0.0.1:1025"


@pytest.mark.parametrize(
    "site, variables, expected",
    [
        ("qsm", {}, ("127.0.0.1", 5000)),
        ("smartship", {}, ("127.0.0.1", 5001)),
        ("qsm-global", {}, ("127.0.0.1", 5003)),
        ("qsm", {"QSM_PORT": "5099"}, ("127.0.0.1", 5099)),
        ("qsm", {"QSM_HOST": "localhost", "QSM_PORT": "6000"}, ("localhost", 6000)),
        ("qsm-global", {"QSM_GLOBAL_PORT": "6003"}, ("127.0.0.1", 6003)),
        ("smartship", {"SMARTSHIP_PORT": "6001"}, ("127.0.0.1", 6001)),
    ],
)
def test_site_address_comes_from_its_environment_variables(monkeypatch, site, variables, expected):
    for prefix in ("QSM", "QSM_GLOBAL", "SMARTSHIP"):
        monkeypatch.delenv(f"{prefix}_HOST", raising=False)
        monkeypatch.delenv(f"{prefix}_PORT", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert devstack.SITES[site].address() == expected


@pytest.fixture
def chromium_page():
    from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        if os.environ.get("QSM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing, and QSM_REQUIRE_BROWSER=1 requires it")
        pytest.skip(f"{CHROMIUM} is not installed (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = chromium.new_page()
        page.set_default_timeout(10_000)
        yield page
        chromium.close()


@pytest.mark.live
@pytest.mark.browser
def test_a_demo_seller_adds_a_passkey_at_localhost_and_logs_in_with_it(running_stack, chromium_page):
    """The README's demo walk-through for passkeys: QSM at http://localhost:5000's port."""
    from playwright.sync_api import expect

    from tests.e2e.browser import go_to_my_account_page

    page = chromium_page
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True}
    authenticator.update(isUserVerified=True, automaticPresenceSimulation=True)
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": authenticator})
    qsm = running_stack.url("qsm").replace("://127.0.0.1:", "://localhost:")
    seller = DEMO_SELLERS[0]
    page.goto(f"{qsm}/login")
    page.get_by_label("Email").fill(seller["email"])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    go_to_my_account_page(page, "Passkeys")
    page.get_by_label("Passkey name").fill("Demo laptop")
    page.get_by_label("Your QSM password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Create passkey").click()
    expect(page.get_by_role("cell", name="Demo laptop", exact=True)).to_be_visible()
    # Log in with the button, as in a browser without conditional UI (nothing asks on load).
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = async () => false;")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to QSM")).to_be_visible()
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login/passkey")) as login:
        page.get_by_role("button", name="Log in with a passkey").click()
    assert login.value.ok
    expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=15_000)
    page.goto(f"{qsm}/account/activity")
    expect(page.get_by_text("Logged in with a passkey")).to_be_visible()
