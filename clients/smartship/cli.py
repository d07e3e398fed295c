"""Operator commands: ``flask --app wsgi:smartship <group> <command>``."""
import json

import click
from flask.cli import AppGroup

from .accounts import AccountError, create_account, mark_primary
from .extensions import db
from .fulfillment import FulfillmentError, decide
from .models import Account, normalize_login
from .password_policy import WeakPassword

fulfillment_cli = AppGroup("fulfillment", help="Fulfillment service applications.")
accounts_cli = AppGroup("accounts", help="SmartShip accounts.")


def account_or_fail(login_id):
    account = db.session.execute(db.select(Account).filter_by(login_id=normalize_login(login_id))).scalar_one_or_none()
    if account is None:
        raise click.ClickException(f"no SmartShip account with login ID {login_id!r}")
    return account


def _decide(login_id, approve):
    account = account_or_fail(login_id)
    try:
        problems = decide(account, approve)
    except FulfillmentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        json.dumps(
            {
                "login_id": account.login_id,
                "status": "approved" if approve else "rejected",
                "qsm_report_problems": problems,
            }
        )
    )


@fulfillment_cli.command("approve")
@click.argument("login_id")
def approve_command(login_id):
    _decide(login_id, True)


@fulfillment_cli.command("reject")
@click.argument("login_id")
def reject_command(login_id):
    _decide(login_id, False)


@accounts_cli.command("create")
@click.option("--login-id", required=True)
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name")
@click.option("--confirmed/--unconfirmed", default=False, help="Whether the email counts as confirmed.")
@click.option("--primary", is_flag=True, help="Make it the primary account of its email.")
def create_account_command(login_id, email, password, name, confirmed, primary):
    try:
        account = create_account(login_id, email, password, email_confirmed=confirmed, name=name, is_primary=primary)
    except (AccountError, WeakPassword) as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        json.dumps(
            {
                "login_id": account.login_id,
                "email": account.email,
                "email_confirmed": confirmed,
                "primary": account.is_primary,
            }
        )
    )


@accounts_cli.command("mark-primary")
@click.argument("login_id")
def mark_primary_command(login_id):
    account = account_or_fail(login_id)
    mark_primary(account)
    click.echo(json.dumps({"login_id": account.login_id, "email": account.email, "primary": True}))


@click.command("seed-demo", help="Load the demo SmartShip accounts.")
def seed_demo_command():
    from .demo import seed_demo

    click.echo(json.dumps(seed_demo(), indent=2))


@click.command("purge", help="Delete expired sign-ups, links, sessions and logout-token records (run from cron).")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
def purge_command(batch_size):
    from .housekeeping import purge_expired

    click.echo(json.dumps(purge_expired(batch_size)))


def register_cli(app):
    app.cli.add_command(purge_command)
    app.cli.add_command(fulfillment_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(seed_demo_command)
