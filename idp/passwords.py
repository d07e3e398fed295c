"""Human passwords: bcrypt at the cost set by ``BCRYPT_ROUNDS``."""
from flask import current_app

from websafety import passwords

check_password = passwords.check_password


def hash_password(password, rounds=None):
    return passwords.hash_password(password, rounds or current_app.config["BCRYPT_ROUNDS"])


def burn_password_check(password):
    """Spend the time of a real check, so a missing account answers as slowly as a wrong password."""
    passwords.burn_password_check(password, current_app.config["BCRYPT_ROUNDS"])
