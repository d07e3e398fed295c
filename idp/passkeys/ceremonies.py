"""Passkeys (WebAuthn) for seller login: registering a credential and logging in with one.

The WebAuthn checks themselves (client data, origin, relying party ID hash, signature, flags,
counter) are py_webauthn's; this module decides what is expected: the relying party, the
challenge, which seller, and what a verified ceremony changes.

Challenges live in the seller's signed session cookie, one per ceremony: random, bound to this
browser's session, valid for CHALLENGE_SECONDS and taken out of the session before they are
checked, so each is used at most once. Login asks for user verification (a passkey replaces the
password, so it must be a second factor in itself) and a discoverable credential.
"""
import ipaddress
import secrets
from urllib.parse import urlsplit

from flask import current_app, session
from flask_babel import lazy_gettext as _l
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse, WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..clock import now
from ..extensions import db
from ..models import Passkey, Seller
from ..models.seller import utcnow

CHALLENGE_SECONDS = 120
MAX_PASSKEYS = 10
NAME_LENGTH = 60
MAX_CREDENTIAL_JSON = 16_384  # an attestation with a certificate chain fits; anything larger is refused


class PasskeyError(ValueError):
    """A ceremony that did not verify; the message is safe to show. ``seller_pk``: the seller
    whose passkey it was, when the credential named one (their Activity shows the failure)."""

    seller_pk = None


def relying_party():
    """(RP ID, expected origins) from the configuration, or the issuer (see config.py)."""
    config = current_app.config
    issuer = urlsplit(config["ISSUER"])
    rp_id = config.get("WEBAUTHN_RP_ID") or issuer.hostname
    origins = [o.strip().rstrip("/") for o in (config.get("WEBAUTHN_ORIGINS") or "").split(",") if o.strip()]
    if _is_ip_address(rp_id):
        rp_id = "localhost"
    if not origins:
        port = f":{issuer.port}" if issuer.port else ""
        origins = [f"{issuer.scheme}://{rp_id}{port}"]
    return rp_id, origins


def _is_ip_address(host):
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def user_handle(seller):
    """The WebAuthn user handle: the seller's random ``sub``, never the email."""
    return seller.sub.encode()


def _new_challenge(kind, **bound):
    challenge = secrets.token_bytes(32)
    session[kind] = {"challenge": bytes_to_base64url(challenge), "expires_at": now() + CHALLENGE_SECONDS, **bound}
    return challenge


def _take_challenge(kind):
    """The ceremony's challenge, removed from the session whatever happens next (single use)."""
    pending = session.pop(kind, None)
    if not pending or pending.get("expires_at", 0) < now():
        raise PasskeyError(_l("The passkey request expired. Please try again."))
    return base64url_to_bytes(pending["challenge"]), pending


def registration_options(seller):
    """The options for navigator.credentials.create(), as JSON; the challenge goes into the session."""
    rp_id, _ = relying_party()
    existing = passkeys_of(seller)
    if len(existing) >= MAX_PASSKEYS:
        raise PasskeyError(_l("You can keep at most %(count)d passkeys. Remove one first.", count=MAX_PASSKEYS))
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=f"{current_app.config['PLATFORM_NAME']} QSM",
        user_id=user_handle(seller),
        user_name=seller.email,
        user_display_name=seller.contact_name,
        challenge=_new_challenge("passkey_registration", seller=seller.sub),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in existing],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED
        ),
    )
    return options_to_json(options)


def register(seller, name, credential):
    """Verify a new credential (the browser's JSON) for ``seller`` and keep it as ``name``."""
    challenge, pending = _take_challenge("passkey_registration")
    if pending.get("seller") != seller.sub:
        raise PasskeyError(_l("The passkey request expired. Please try again."))
    name = (name or "").strip()[:NAME_LENGTH] or "Passkey"
    rp_id, origins = relying_party()
    try:
        verified = verify_registration_response(
            credential=_bounded(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyError(_l("This passkey could not be verified. Please try again.")) from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.execute(db.select(Passkey.id).filter_by(credential_id=credential_id)).first():
        raise PasskeyError(_l("This passkey is already registered."))
    passkey = Passkey(
        seller_pk=seller.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        aaguid=verified.aaguid,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
        transports=" ".join(_transports(credential))[:200] or None,
    )
    db.session.add(passkey)
    return passkey


def authentication_options():
    """The options for navigator.credentials.get(): no credential named (discoverable), user
    verification required; the challenge goes into the session."""
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id, challenge=_new_challenge("passkey_login"), user_verification=UserVerificationRequirement.REQUIRED
    )
    return options_to_json(options)


def authenticate(credential):
    """The seller and passkey an assertion (the browser's JSON) proves, with the passkey's
    counter and backup state updated (not committed); PasskeyError when it does not verify."""
    challenge, _ = _take_challenge("passkey_login")
    credential = _bounded(credential)
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    passkey = None
    if isinstance(credential_id, str) and len(credential_id) <= 1400:
        passkey = db.session.execute(db.select(Passkey).filter_by(credential_id=credential_id)).scalar_one_or_none()
    if passkey is None:
        raise PasskeyError(_l("This passkey is not registered with QSM."))
    seller = db.session.get(Seller, passkey.seller_pk)
    handle = (credential.get("response") or {}).get("userHandle")
    rp_id, origins = relying_party()
    try:
        if handle is not None and base64url_to_bytes(handle) != user_handle(seller):
            raise PasskeyError(_l("This passkey does not belong to that account."))
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origins,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except PasskeyError as error:
        error.seller_pk = seller.id
        raise
    except (InvalidAuthenticationResponse, WebAuthnException, ValueError, KeyError, TypeError) as error:
        failure = PasskeyError(_l("This passkey could not be verified."))
        failure.seller_pk = seller.id
        raise failure from error
    passkey.sign_count = verified.new_sign_count
    passkey.backed_up = verified.credential_backed_up
    passkey.last_used_at = utcnow()
    return seller, passkey


def passkeys_of(seller):
    query = db.select(Passkey).filter_by(seller_pk=seller.id).order_by(Passkey.created_at)
    return db.session.execute(query).scalars().all()


def _bounded(credential):
    if isinstance(credential, (str, bytes)) and len(credential) > MAX_CREDENTIAL_JSON:
        raise PasskeyError(_l("This passkey could not be verified. Please try again."))
    if not isinstance(credential, (str, dict)):
        raise PasskeyError(_l("This passkey could not be verified. Please try again."))
    return credential


def _transports(credential):
    if not isinstance(credential, dict):
        return []
    transports = (credential.get("response") or {}).get("transports") or []
    return [t for t in transports if isinstance(t, str) and t.isascii() and len(t) <= 20][:8]
