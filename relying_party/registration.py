"""One client registration at one QSM issuer, as a site configured it: everything the relying-party
core needs to know about the site, passed in (the core reads no site's config).

SmartShip has one per QSM platform (``clients/smartship/qsm.py:registration``), Parcel Pal one
(``clients/demo_app/qsm.py:registration``).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Registration:
    # Authlib's name for the client: a SmartShip platform ID, Parcel Pal's "qsm". It also names
    # the keys Authlib keeps the pending state, nonce and PKCE verifier under in the session.
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scope: str
    # Seconds any one call to QSM may take (discovery, JWKS, PAR, token, userinfo, API, revocation).
    timeout: float
    # How messages shown to a person name the site ("SmartShip", "Parcel Pal").
    site_name: str
    # Where the site's Authlib registry lives in ``app.extensions`` (one registry a site).
    registry_key: str
