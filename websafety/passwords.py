"""Human passwords: bcrypt, with a SHA-256 pre-hash so long passphrases count in full."""
import base64
import hashlib

import bcrypt


def _prehash(password):
    # bcrypt reads at most 72 bytes.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password, rounds):
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password, password_hash):
    if not password_hash or password is None:
        return False
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except ValueError:
        return False


_dummy_hashes = {}


def burn_password_check(password, rounds):
    """Spend the time of a real check, so a missing account answers as slowly as a wrong password."""
    if rounds not in _dummy_hashes:
        _dummy_hashes[rounds] = hash_password("not-a-real-password", rounds)
    check_password(password or "", _dummy_hashes[rounds])
