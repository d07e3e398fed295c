"""Operator commands, run as ``flask`` would run them."""
import json

import pytest
from cryptography.fernet import Fernet

from idp.digests import digest
from idp.extensions import db
from idp.models import OAuthClient, Order, Seller, SigningKey
from tests.support.qsm import PASSWORD


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def run(runner):
    def invoke(*args, input=None, ok=True):
        result = runner.invoke(args=list(args), input=input)
        if ok:
            assert result.exit_code == 0, result.output
            return json.loads(result.output)
        return result

    return invoke


def seller_args(email="cli@example.com", *extra):
    return [
        "sellers",
        "create",
        "--email",
        email,
        "--password",
        PASSWORD,
        "--shop-name",
        "CLI Shop",
        "--contact-name",
        "Cli Seller",
        *extra,
    ]


def assert_clean_failure(result, message):
    assert result.exit_code == 1
    assert "Error:" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_sellers_create(run):
    out = run(*seller_args("CLI@Example.com", "--phone", "+65 6000 1111", "--country", "sg", "--postal-code", "018989"))
    seller = db.session.execute(db.select(Seller)).scalar_one()
    assert out == {"sub": seller.sub, "seller_id": seller.seller_id, "email": "cli@example.com"}
    assert seller.email_verified is True
    assert (seller.phone, seller.country, seller.postal_code) == ("+65 6000 1111", "SG", "018989")
    assert PASSWORD not in json.dumps(out)


def test_sellers_create_unverified(run):
    run(*seller_args("u@example.com", "--unverified"))
    assert db.session.execute(db.select(Seller.email_verified)).scalar_one() is False


def test_sellers_create_prompts_for_the_password_without_echo(runner):
    args = ["sellers", "create", "--email", "p@example.com", "--shop-name", "S", "--contact-name", "C"]
    result = runner.invoke(args=args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (seller_args("not-an-email"), "valid email"),
        (seller_args("seller@example.com"), "already exists"),
        (seller_args("SELLER@example.com"), "already exists"),
        (seller_args("x@example.com", "--country", "Singapore"), "two-letter"),
        (
            [
                "sellers",
                "create",
                "--email",
                "x@example.com",
                "--password",
                "short",
                "--shop-name",
                "S",
                "--contact-name",
                "C",
            ],
            "at least 10",
        ),
        (
            [
                "sellers",
                "create",
                "--email",
                "x@example.com",
                "--password",
                PASSWORD,
                "--shop-name",
                " ",
                "--contact-name",
                "C",
            ],
            "shop name",
        ),
    ],
)
def test_sellers_create_bad_input(run, seller, args, message):
    assert_clean_failure(run(*args, ok=False), message)
    assert db.session.execute(db.select(db.func.count(Seller.id))).scalar() == 1


def create_client(run, *extra):
    return run("clients", "create", "--name", "Demo", "--redirect-uri", "https://demo.example/cb", *extra)


def test_clients_create_prints_the_secret_once_and_stores_a_digest(run):
    out = create_client(run, "--scope", "openid email", "--trusted")
    client = db.session.execute(db.select(OAuthClient)).scalar_one()
    assert out["client_id"] == client.client_id
    assert out["client_secret"] and client.client_secret_hash == digest(out["client_secret"])
    assert out["client_secret"] not in client.client_secret_hash
    assert out["redirect_uris"] == ["https://demo.example/cb"] and out["trusted"] is True

    listed = run("clients", "list")
    assert [c["client_id"] for c in listed] == [client.client_id]
    text = json.dumps(listed)
    assert out["client_secret"] not in text and client.client_secret_hash not in text
    assert "secret" not in text.replace("client_secret_basic", "")


def test_public_client_has_no_secret(run):
    out = create_client(run, "--auth-method", "none")
    assert "client_secret" not in out
    assert_clean_failure(run("clients", "rotate-secret", out["client_id"], ok=False), "no secret")


def test_clients_rotate_secret(run):
    first = create_client(run, "--client-id", "demo")
    rotated = run("clients", "rotate-secret", "demo")
    assert rotated["client_secret"] != first["client_secret"]
    client = db.session.execute(db.select(OAuthClient).filter_by(client_id="demo")).scalar_one()
    assert client.client_secret_hash == digest(rotated["client_secret"])
    assert client.client_secret_hash != digest(first["client_secret"])


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["clients", "create", "--name", "X", "--redirect-uri", "http://evil.example/cb"],
            "http is allowed only on loopback",
        ),
        (["clients", "create", "--name", "X", "--redirect-uri", "https://x.example/cb#frag"], "fragment"),
        (["clients", "create", "--name", "X"], "redirect URI is required"),
        (
            ["clients", "create", "--name", "X", "--redirect-uri", "https://x.example/cb", "--scope", "openid admin"],
            "unknown scopes",
        ),
        (
            ["clients", "create", "--name", "X", "--redirect-uri", "https://x.example/cb", "--auth-method", "magic"],
            "token_endpoint_auth_method",
        ),
        (
            ["clients", "create", "--name", "X", "--redirect-uri", "https://x.example/cb", "--grant-type", "password"],
            "unknown grant types",
        ),
        (
            ["clients", "create", "--name", "X", "--redirect-uri", "https://x.example/cb", "--client-id", "taken"],
            "already exists",
        ),
        (["clients", "rotate-secret", "nobody"], "no client"),
    ],
)
def test_clients_bad_input(run, args, message):
    create_client(run, "--client-id", "taken")
    assert_clean_failure(run(*args, ok=False), message)
    assert db.session.execute(db.select(db.func.count(OAuthClient.id))).scalar() == 1


def test_keys_rotate_and_list(run):
    assert len(run("keys", "ensure")["created"]) == 2
    before = {k["kid"] for k in run("keys", "list")["jwks"]["keys"]}
    rotated = run("keys", "rotate")
    assert {r["kid"] for r in rotated["retired"]} == before
    assert len(rotated["active"]) == 2 and not set(rotated["active"]) & before
    listed = run("keys", "list")
    kids = {k["kid"] for k in listed["jwks"]["keys"]}
    assert kids == before | set(rotated["active"])  # retired keys stay published for a while
    for key in listed["jwks"]["keys"]:
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "private key material printed"
    assert db.session.execute(db.select(db.func.count(SigningKey.id)).filter_by(retired_at=None)).scalar() == 2


def test_seed_demo_is_idempotent(run):
    first = run("seed-demo")
    counts = [db.session.execute(db.select(db.func.count(m.id))).scalar() for m in (Seller, Order, SigningKey)]
    second = run("seed-demo")
    assert first["sellers"] == second["sellers"] and len(first["sellers"]) >= 2
    assert [db.session.execute(db.select(db.func.count(m.id))).scalar() for m in (Seller, Order, SigningKey)] == counts
    assert counts[1] > 0


@pytest.mark.parametrize("args", [["sellers", "create"], ["clients", "create"], ["clients", "rotate-secret"]])
def test_missing_arguments_are_usage_errors(run, args):
    result = run(*args, ok=False)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_seed_demo_is_refused_in_production(monkeypatch):
    from idp import create_app

    monkeypatch.setenv("QSM_SECRET_KEY", "p" * 40)
    monkeypatch.setenv("QSM_KEY_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    production = create_app("production")
    result = production.test_cli_runner().invoke(args=["seed-demo"])
    assert_clean_failure(result, "refused in production")


def test_a_client_id_never_starts_with_a_dash(monkeypatch):
    """A client ID is an argument of `clients rotate-secret`: one starting with "-" would be read
    as an option (a CI run once drew one)."""
    from idp.oauth import clients

    drawn = iter(["-starts-with-a-dash-xyz", "fine-client-id-abcdef"])
    monkeypatch.setattr(clients.secrets, "token_urlsafe", lambda n: next(drawn))
    assert clients.new_client_id() == "fine-client-id-abcdef"
