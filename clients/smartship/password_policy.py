"""SmartShip's password rules: at least 10 characters, not the login ID or email, not a common password."""
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 10
MAX_LENGTH = 256


class WeakPassword(ValueError):
    pass


@lru_cache(maxsize=1)
def common_passwords():
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def check_password_policy(password, login_id, email):
    if len(password) < MIN_LENGTH:
        raise WeakPassword(_("The password must have at least %(count)s characters.", count=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(_("The password must have at most %(count)s characters.", count=MAX_LENGTH))
    lowered = password.strip().lower()
    if lowered in {(login_id or "").lower(), (email or "").lower()}:
        raise WeakPassword(_("The password must not be your login ID or email address."))
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        raise WeakPassword(_("This password is too common. Please choose another."))
