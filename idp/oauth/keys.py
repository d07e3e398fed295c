"""ID token signing keys: kept in the database, cached per process for a bounded time.

Each algorithm (RS256, ES256) has one active key. Rotation adds a new key and retires the
old one, which stays in the JWKS until every ID token it signed has expired.
"""
import json
import secrets
import threading

from flask import current_app
from joserfc.jwk import ECKey, RSAKey

from ..clock import now
from ..extensions import db
from ..models import SigningKey

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
    return SigningKey(kid=kid, alg=alg, private_jwk=json.dumps(key.as_dict(private=True)))


def ensure_signing_keys():
    """Create an active key for every algorithm that has none. Returns the keys it made."""
    active = {k.alg for k in db.session.execute(db.select(SigningKey).filter_by(retired_at=None)).scalars()}
    made = [generate_signing_key(alg) for alg in ALGORITHMS if alg not in active]
    db.session.add_all(made)
    db.session.commit()
    invalidate_cache()
    return made


def rotate_signing_keys():
    """Retire every active key and activate a new one per algorithm."""
    config = current_app.config
    # Retired keys stay published while ID tokens they signed are alive, plus the time
    # other instances may still sign with them from a cached view.
    keep_for = config["ID_TOKEN_TTL"] + 2 * config["SIGNING_KEY_CACHE_SECONDS"] + 60
    retired_at = now()
    old = db.session.execute(db.select(SigningKey).filter_by(retired_at=None)).scalars().all()
    for key in old:
        key.retired_at = retired_at
        key.publish_until = retired_at + keep_for
    made = [generate_signing_key(alg) for alg in ALGORITHMS]
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

    def __init__(self, rows):
        self.active = {}
        published = []
        for row in sorted(rows, key=lambda r: (r.created_at, r.id)):
            data = json.loads(row.private_jwk)
            key = (RSAKey if row.alg == "RS256" else ECKey).import_key(data)
            if row.retired_at is None:
                self.active[row.alg] = key
            published.append(key.as_dict(private=False))
        self.jwks = {"keys": published}
        self.jwks_json = json.dumps(self.jwks, separators=(",", ":"))


_lock = threading.Lock()


def _state():
    return current_app.extensions.setdefault("qsm_signing_keys", {"view": None, "loaded_at": 0})


def invalidate_cache():
    _state()["view"] = None


def _published_rows():
    return db.session.execute(
        db.select(SigningKey).where(db.or_(SigningKey.retired_at.is_(None), SigningKey.publish_until >= now()))
    ).scalars().all()


def current_keys():
    state = _state()
    ttl = current_app.config["SIGNING_KEY_CACHE_SECONDS"]
    view = state["view"]
    if view is None or now() - state["loaded_at"] >= ttl:
        with _lock:
            rows = _published_rows()
            # Every algorithm needs an active key: a client of one without a key would get a
            # token whose header names an algorithm no key can sign.
            if {r.alg for r in rows if r.retired_at is None} != set(ALGORITHMS):
                ensure_signing_keys()
                rows = _published_rows()
            view = KeyView(rows)
            state["view"], state["loaded_at"] = view, now()
    return view


def active_key(alg):
    keys = current_keys()
    return keys.active.get(alg) or keys.active[DEFAULT_ALGORITHM]
