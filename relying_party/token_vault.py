"""Encryption at rest for the QSM tokens a relying party must keep (Fernet: AES-CBC + HMAC).

Keys come from the site's TOKEN_ENCRYPTION_KEYS config, newest first, so a key can be
rotated without losing old tokens.
"""
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class VaultError(RuntimeError):
    pass


def _fernet():
    cached = current_app.extensions.get("relying_party_vault")
    if cached is None:
        keys = [k.strip() for k in current_app.config["TOKEN_ENCRYPTION_KEYS"].split(",") if k.strip()]
        if not keys:
            raise VaultError("TOKEN_ENCRYPTION_KEYS is not set")
        cached = MultiFernet([Fernet(k.encode()) for k in keys])
        current_app.extensions["relying_party_vault"] = cached
    return cached


def encrypt(value):
    if value is None:
        return None
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value):
    if value is None:
        return None
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise VaultError("a stored token cannot be decrypted with the configured keys") from None


def encrypt_json(data):
    return encrypt(json.dumps(data))


def decrypt_json(value):
    return json.loads(decrypt(value))
