"""ID token signing keys: kept in the database, cached per process for a bounded time.

Each algorithm (RS256, ES256) has one active key. Rotation adds a new key and retires the
old one, which stays in the JWKS until every ID token it signed has expired.

The private keys are stored encrypted (websafety.vault) with KEY_ENCRYPTION_KEYS from the
environment, newest first: whoever reads the database or a backup cannot forge ID tokens.
"""
import json
import secrets
import threading

from flask import current_app
from joserfc.jwk import ECKey, RSAKey

from websafety.vault import Vault

from ..clock import now
from ..extensions import db
from ..models import SigningKey

# Encrypts the private signing keys at rest (QSM_KEY_ENCRYPTION_KEYS).
key_vault = Vault("KEY_ENCRYPTION_KEYS")

ALGORITHMS = ("RS256", "ES256")
DEFAULT_ALGORITHM = "RS256"


def generate_signing_key(alg):
    kid = f"{alg.lower()}-{secrets.token_hex(8)}"
    parameters = {"kid": kid, "alg": alg, "use": "sig"}
    if alg == "RS256":
        key = RSAKey.generate_key(2048, parameters=parameters, private=True)
    elif alg == "ES256":
        key = ECKey.generate_key("P-256", parameters=parameters, private=True)
    else:
        raise ValueError(f"unsupported signing algorithm {alg}")
    return SigningKey(kid=kid, alg=alg, private_jwk=key_vault.encrypt(json.dumps(key.as_dict(private=True))))


def _private_jwk(row):
    if row.private_jwk.startswith("{"):
        # Stored before keys were encrypted: usable, until `flask keys reencrypt` encrypts it.
        current_app.logger.warning("signing key %s is stored unencrypted: run `flask keys reencrypt`", row.kid)
        return json.loads(row.private_jwk)
    return json.loads(key_vault.decrypt(row.private_jwk))


def reencrypt_signing_keys():
    """Encrypt every stored key with the newest KEY_ENCRYPTION_KEYS key (after adding one in
    front, before dropping an old one), and any key still stored unencrypted."""
    rows = db.session.execute(db.select(SigningKey)).scalars().all()
    for row in rows:
        if row.private_jwk.startswith("{"):
            row.private_jwk = key_vault.encrypt(row.private_jwk)
        else:
            row.private_jwk = key_vault.rotate(row.private_jwk)
    db.session.commit()
    return [row.kid for row in rows]


def ensure_signing_keys():
    """Create an active key for every algorithm that has none. Returns the keys it made."""
    active = {k.alg for k in db.session.execute(db.select(SigningKey).filter_by(retired_at=None)).scalars()}
    made = [generate_signing_key(alg) for alg in ALGORITHMS if alg not in active]
    db.session.add_all(made)
    db.session.commit()
    invalidate_cache()
    return made


def rotate_signing_keys():
    """Publish a new key per algorithm now; it takes over signing one cache period later, when
    every instance publishes it. The old keys sign until then and stay published while ID tokens
    they signed are alive, plus the time other instances may still sign with a cached view."""
    config = current_app.config
    cache_seconds = config["SIGNING_KEY_CACHE_SECONDS"]
    switch_at = now() + cache_seconds
    keep_for = config["ID_TOKEN_TTL"] + 2 * cache_seconds + 60
    old = db.session.execute(db.select(SigningKey).filter_by(retired_at=None)).scalars().all()
    for key in old:
        key.retired_at = switch_at
        key.publish_until = switch_at + keep_for
    made = [generate_signing_key(alg) for alg in ALGORITHMS]
    for key in made:
        key.activates_at = switch_at
    db.session.add_all(made)
    db.session.commit()
    invalidate_cache()
    return made, old


def purge_expired_keys():
    result = db.session.execute(
        db.delete(SigningKey).where(SigningKey.retired_at.is_not(None), SigningKey.publish_until < now())
    )
    db.session.commit()
    invalidate_cache()
    return result.rowcount


class KeyView:
    """What one process knows of the keys at one moment."""

    def __init__(self, rows, at):
        self.active = {}
        published = []
        for row in sorted(rows, key=lambda r: (r.activates_at or r.created_at, r.id)):
            data = _private_jwk(row)
            key = (RSAKey if row.alg == "RS256" else ECKey).import_key(data)
            activated = (row.activates_at or row.created_at) <= at
            not_retired = row.retired_at is None or row.retired_at > at
            if activated and not_retired or row.alg not in self.active:
                self.active[row.alg] = key
            published.append(key.as_dict(private=False))
        self.jwks = {"keys": published}
        self.jwks_json = json.dumps(self.jwks, separators=(",", ":")).encode()
        self.loaded_at = at


_lock = threading.Lock()


def _state():
    return current_app.extensions.setdefault("qsm_signing_keys", {"view": None})


def invalidate_cache():
    _state()["view"] = None


def _published_rows():
    return db.session.execute(
        db.select(SigningKey).where(db.or_(SigningKey.retired_at.is_(None), SigningKey.publish_until >= now()))
    ).scalars().all()


def fresh_view(app):
    """The process's view of the keys while it is still fresh, else None; needs no app context."""
    view = app.extensions.get("qsm_signing_keys", {}).get("view")
    if view is None or now() - view.loaded_at >= app.config["SIGNING_KEY_CACHE_SECONDS"]:
        return None
    return view


def current_keys():
    state = _state()
    view = fresh_view(current_app)
    if view is None:
        with _lock:
            rows = _published_rows()
            # Every algorithm needs an active key: a client of one without a key would get a
            # token whose header names an algorithm no key can sign.
            if {r.alg for r in rows if r.retired_at is None or r.retired_at > now()} != set(ALGORITHMS):
                ensure_signing_keys()
                rows = _published_rows()
            view = state["view"] = KeyView(rows, now())
    return view


def view_for(app):
    """The key view for answers made outside Flask (no app context while it is fresh)."""
    view = fresh_view(app)
    if view is None:
        with app.app_context():
            view = current_keys()
    return view


def active_key(alg, view=None):
    keys = view or current_keys()
    return keys.active.get(alg) or keys.active[DEFAULT_ALGORITHM]
