"""A software WebAuthn authenticator for tests: it makes the same structures a browser hands to
QSM (a "none" attestation at registration, a signed assertion at login) from an ES256 key of its
own, so every check of idp/passkeys/ceremonies.py runs on real signatures, flags and counters."""
import base64
import hashlib
import json
import os

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, origin, rp_id=None, backup_eligible=False, user_verified=True):
        self.origin = origin
        self.rp_id = rp_id
        self.backup_eligible = backup_eligible
        self.backed_up = backup_eligible
        self.user_verified = user_verified
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.sign_count = 0
        self.user_handle = None

    @property
    def id(self):
        return b64url(self.credential_id)

    def _flags(self, *extra):
        flags = UP | (UV if self.user_verified else 0)
        flags |= (BE if self.backup_eligible else 0) | (BS if self.backed_up else 0)
        for flag in extra:
            flags |= flag
        return flags

    def _cose_key(self):
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind, challenge, origin=None):
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        ).encode()

    def create(self, options, origin=None):
        """The browser's JSON for navigator.credentials.create(options) (options as QSM sent them)."""
        rp_id = self.rp_id or options["rp"]["id"]
        self.user_handle = options["user"]["id"]
        attested = b"\0" * 16 + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose_key()
        auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags(AT)])
        auth_data += self.sign_count.to_bytes(4, "big") + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(self._client_data("webauthn.create", options["challenge"], origin)),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }

    def get(self, options, origin=None, counter_step=1):
        """The browser's JSON for navigator.credentials.get(options), signed with this key."""
        rp_id = self.rp_id or options["rpId"]
        self.sign_count += counter_step
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest() + bytes([self._flags()]) + self.sign_count.to_bytes(4, "big")
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": self.user_handle,
            },
            "clientExtensionResults": {},
        }
