"""Signing an account in and out of SmartShip."""
from flask import session
from flask_login import login_user, logout_user


def sign_in(account, via):
    # A new session on every login: nothing planted before survives.
    session.clear()
    login_user(account)
    session["signed_in_via"] = via
    session.permanent = True


def sign_out():
    logout_user()
    session.clear()
