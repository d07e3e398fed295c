"""Operator commands: ``flask --app wsgi:qsm <group> <command>``."""
import json

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import audit
from .auth.sellers import SellerError, create_seller
from .extensions import db
from .models import OAuthClient
from .oauth.clients import ClientError, describe_client, register_client, rotate_client_secret
from .oauth.keys import (
    ALGORITHMS,
    current_keys,
    ensure_signing_keys,
    purge_expired_keys,
    reencrypt_signing_keys,
    rotate_signing_keys,
)

sellers_cli = AppGroup("sellers", help="Seller accounts.")
clients_cli = AppGroup("clients", help="OAuth clients.")
keys_cli = AppGroup("keys", help="ID token signing keys.")


def emit(data):
    click.echo(json.dumps(data, indent=2))


@sellers_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--shop-name", required=True)
@click.option("--contact-name", required=True)
@click.option("--phone")
@click.option("--street-address")
@click.option("--locality")
@click.option("--region")
@click.option("--postal-code")
@click.option("--country")
@click.option("--unverified", is_flag=True, help="Leave the email unverified.")
def create_seller_command(email, password, shop_name, contact_name, unverified, **details):
    try:
        seller = create_seller(email, password, shop_name, contact_name, email_verified=not unverified, **details)
    except SellerError as error:
        raise click.ClickException(str(error)) from None
    emit({"sub": seller.sub, "seller_id": seller.seller_id, "email": seller.email})


@clients_cli.command("create")
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--post-logout-redirect-uri", "post_logout_redirect_uris", multiple=True)
@click.option("--scope", default="openid profile email")
@click.option("--grant-type", "grant_types", multiple=True, default=("authorization_code", "refresh_token"))
@click.option("--auth-method", "token_endpoint_auth_method", default="client_secret_basic")
@click.option("--trusted", is_flag=True, help="A family site of the marketplace: no consent screen.")
@click.option("--home-page")
@click.option("--client-id", help="Choose the client ID instead of a random one.")
@click.option(
    "--require-par",
    "require_pushed_authorization_requests",
    is_flag=True,
    help="Accept this client's authorization requests only when pushed first (RFC 9126).",
)
def create_client_command(**options):
    try:
        client, secret = register_client(**options)
    except ClientError as error:
        raise click.ClickException(str(error)) from None
    emit(describe_client(client, secret))


@clients_cli.command("list")
def list_clients_command():
    clients = db.session.execute(db.select(OAuthClient).order_by(OAuthClient.id)).scalars()
    emit([describe_client(c) for c in clients])


@clients_cli.command("rotate-secret")
@click.argument("client_id")
def rotate_secret_command(client_id):
    client = db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one_or_none()
    if client is None:
        raise click.ClickException(f"no client {client_id!r}")
    try:
        secret = rotate_client_secret(client)
    except ClientError as error:
        raise click.ClickException(str(error)) from None
    audit.record("client_secret_rotated", seller_pk=client.owner_pk, client=client, detail=audit.BY_AN_OPERATOR)
    emit(describe_client(client, secret))


@keys_cli.command("rotate")
def rotate_keys_command():
    made, retired = rotate_signing_keys()
    emit(
        {
            "active": [k.kid for k in made],
            "retired": [{"kid": k.kid, "published_until": k.publish_until} for k in retired],
        }
    )


@keys_cli.command("ensure")
def ensure_keys_command():
    emit({"created": [k.kid for k in ensure_signing_keys()]})


@keys_cli.command("list")
def list_keys_command():
    emit({"algorithms": list(ALGORITHMS), "jwks": current_keys().jwks})


@keys_cli.command("reencrypt", help="Encrypt every private key with the newest of QSM_KEY_ENCRYPTION_KEYS.")
def reencrypt_keys_command():
    emit({"reencrypted": reencrypt_signing_keys()})


@keys_cli.command("purge")
def purge_keys_command():
    emit({"purged": purge_expired_keys()})


@click.command("seed-demo", help="Load the demo sellers, orders and signing keys.")
@with_appcontext
def seed_demo_command():
    from .demo import DEMO_PASSWORD, seed_demo

    if current_app.config.get("PRODUCTION"):
        # The demo sellers' password is published: they must never exist on a real marketplace.
        raise click.ClickException("seed-demo is refused in production: the demo sellers have a published password.")

    sellers = seed_demo()
    emit({"sellers": [s.email for s in sellers], "password": DEMO_PASSWORD, "issuer": current_app.config["ISSUER"]})


@click.command("purge", help="Delete expired codes, tokens, token families and retired keys (run from cron).")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
def purge_command(batch_size):
    from .housekeeping import purge_expired

    emit(purge_expired(batch_size))


def register_cli(app):
    app.cli.add_command(purge_command)
    app.cli.add_command(sellers_cli)
    app.cli.add_command(clients_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(seed_demo_command)
