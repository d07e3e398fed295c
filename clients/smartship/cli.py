"""Operator commands: ``flask --app wsgi:smartship <group> <command>``."""
import json

import click
from flask.cli import AppGroup

from .extensions import db
from .fulfillment import FulfillmentError, decide
from .models import Account, normalize_login

fulfillment_cli = AppGroup("fulfillment", help="Fulfillment service applications.")


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
    click.echo(json.dumps({"login_id": account.login_id, "status": "approved" if approve else "rejected", "qsm_report_problems": problems}))


@fulfillment_cli.command("approve")
@click.argument("login_id")
def approve_command(login_id):
    _decide(login_id, True)


@fulfillment_cli.command("reject")
@click.argument("login_id")
def reject_command(login_id):
    _decide(login_id, False)


def register_cli(app):
    app.cli.add_command(fulfillment_cli)
