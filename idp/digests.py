"""High-entropy secrets (codes, tokens, client secrets) are stored as SHA-256 digests.

bcrypt is for human passwords only: these values carry 256 bits of entropy, so a fast
digest is as safe and keeps the token endpoint quick.
"""
import hashlib
import hmac
import secrets


def new_secret(nbytes=32):
    return secrets.token_urlsafe(nbytes)


def digest(value):
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def matches_digest(value, expected_digest):
    if not value or not expected_digest:
        return False
    return hmac.compare_digest(digest(value), expected_digest)
