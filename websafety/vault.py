"""Encryption at rest (Fernet: AES-CBC + HMAC) for what a site must keep but not store in the
clear: the QSM tokens a relying party holds, QSM's ID token signing keys.

Keys come from a config value of comma-separated Fernet keys, newest first: the newest
encrypts, every one decrypts, so a key is rotated by putting a new one in front, re-encrypting
(a CLI command of the site), and then dropping the old one.
"""
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class VaultError(RuntimeError):
    pass


def parse_keys(value):
    return [k.strip() for k in (value or "").split(",") if k.strip()]


class Vault:
    def __init__(self, config_key):
        self.config_key = config_key

    def _fernet(self):
        extension = "vault:" + self.config_key
        cached = current_app.extensions.get(extension)
        if cached is None:
            keys = parse_keys(current_app.config.get(self.config_key))
            if not keys:
                raise VaultError(f"{self.config_key} is not set")
            try:
                cached = MultiFernet([Fernet(k.encode()) for k in keys])
            except ValueError:
                raise VaultError(f"{self.config_key} holds a value that is not a Fernet key") from None
            current_app.extensions[extension] = cached
        return cached

    def encrypt(self, value):
        if value is None:
            return None
        return self._fernet().encrypt(value.encode()).decode()

    def decrypt(self, value):
        if value is None:
            return None
        try:
            return self._fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            raise VaultError(f"a stored value cannot be decrypted with the keys in {self.config_key}") from None

    def rotate(self, value):
        """The value encrypted with the newest key."""
        try:
            return self._fernet().rotate(value.encode()).decode()
        except InvalidToken:
            raise VaultError(f"a stored value cannot be decrypted with the keys in {self.config_key}") from None

    def encrypt_json(self, data):
        return self.encrypt(json.dumps(data))

    def decrypt_json(self, value):
        return json.loads(self.decrypt(value))
