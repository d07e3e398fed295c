"""The rules of linked sign-up: who a QSM seller is at SmartShip, and how accounts are made or linked."""
import hashlib
import json
import secrets
import time

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from relying_party import token_vault

from .extensions import db
from .models import Account, FulfillmentApplication, PendingSignup, QsmLink, normalize_login, utcnow
from .qsm import expires_at

REQUIRED_AGREEMENTS = ("terms", "privacy", "qsm_data")


class LinkingError(ValueError):
    """A refusal the seller can act on; the message is safe to show."""


class LoginIdTaken(LinkingError):
    pass


class AlreadyLinked(LinkingError):
    def __init__(self, account):
        super().__init__(_("This QSM seller is already linked to a SmartShip account."))
        self.account = account


class SignupUsedUp(LinkingError):
    """The pending sign-up is gone (finished in another window, or expired) and no link came of it."""

    def __init__(self):
        super().__init__(_("This sign-up was already finished or has expired. Please start again from QSM."))


def _digest(handle):
    return hashlib.sha256(handle.encode()).hexdigest()


def hold_pending_signup(platform_id, token, claims):
    """Keep what QSM said server-side; the browser holds only an opaque handle."""
    handle = secrets.token_urlsafe(32)
    db.session.execute(db.delete(PendingSignup).where(PendingSignup.expires_at < int(time.time())))
    db.session.add(
        PendingSignup(
            handle_hash=_digest(handle),
            platform=platform_id,
            sub=claims["sub"],
            claims_json=json.dumps(claims),
            token_encrypted=token_vault.encrypt_json(dict(token)),
            expires_at=int(time.time()) + current_app.config["PENDING_SIGNUP_TTL"],
        )
    )
    db.session.commit()
    return handle


def load_pending_signup(handle):
    if not handle:
        return None
    pending = db.session.execute(
        db.select(PendingSignup).filter_by(handle_hash=_digest(handle))
    ).scalar_one_or_none()
    if pending is None or pending.expires_at < int(time.time()):
        return None
    return pending


def find_link(platform_id, sub):
    return db.session.execute(db.select(QsmLink).filter_by(platform=platform_id, sub=sub)).scalar_one_or_none()


def login_id_taken(login_id):
    return db.session.execute(
        db.select(Account.id).filter_by(login_id=normalize_login(login_id)).limit(1)
    ).first() is not None


def check_agreements(agreed):
    missing = [item for item in REQUIRED_AGREEMENTS if item not in agreed]
    if missing:
        raise LinkingError(
            _("Please agree to the SmartShip terms of service, the privacy policy and the use of your QSM data.")
        )


def store_tokens(link, token):
    """Keep the tokens QSM issued, encrypted. A rotated refresh token replaces the old one."""
    link.access_token_encrypted = token_vault.encrypt(token["access_token"])
    link.access_expires_at = expires_at(token)
    if token.get("refresh_token"):
        link.refresh_token_encrypted = token_vault.encrypt(token["refresh_token"])
    link.needs_reauthorization = False
    link.refresh_lease_until = None


def _address_from_claims(claims):
    address = claims.get("address") or {}
    return {k: v for k, v in address.items() if isinstance(v, str)}


def create_linked_account(pending, login_id, agreed):
    """Create the account and its link in one transaction: never one without the other."""
    check_agreements(agreed)
    claims = pending.claims
    login_id = normalize_login(login_id or claims.get("email"))
    if not login_id or len(login_id) > 254:
        raise LinkingError(_("Please choose a login ID."))
    existing = find_link(pending.platform, pending.sub)
    if existing is not None:
        raise AlreadyLinked(existing.account)
    if login_id_taken(login_id):
        # Another window may have just linked this seller with this very login ID.
        existing = find_link(pending.platform, pending.sub)
        if existing is not None:
            raise AlreadyLinked(existing.account)
        raise LoginIdTaken(
            _(
                "The login ID %(login_id)s is already used by another SmartShip account."
                " Please choose another login ID.",
                login_id=login_id,
            )
        )
    now = utcnow()
    account = Account(
        login_id=login_id,
        email=normalize_login(claims.get("email")),
        email_confirmed_at=now if claims.get("email_verified") is True else None,
        password_hash=None,
        name=claims.get("name"),
        shop_name=claims.get("shop_name"),
        phone=claims.get("phone_number"),
        terms_agreed_at=now,
        privacy_agreed_at=now,
        qsm_data_agreed_at=now,
        marketing_opt_in="marketing" in agreed,
    )
    account.address = _address_from_claims(claims)
    seller = _use_up(pending)
    db.session.add_all([account, FulfillmentApplication(account=account)])
    _attach_link(account, pending)
    _commit_link(
        seller,
        LoginIdTaken(
            _(
                "The login ID %(login_id)s is already used by another SmartShip account."
                " Please choose another login ID.",
                login_id=login_id,
            )
        ),
    )
    return account


def _use_up(pending):
    """Spend the pending sign-up with one conditional DELETE, the first write of the transaction
    that links; returns the seller (platform, sub). Of two Done clicks at once (a double click,
    two tabs) only one deletes the row: the database holds the other until the first commits,
    and it then finds nothing to delete, writes nothing, and is told about the first one's link."""
    seller = (pending.platform, pending.sub)
    with db.session.no_autoflush:  # nothing of this transaction is written before it
        spent = db.session.execute(
            db.delete(PendingSignup).where(PendingSignup.id == pending.id).execution_options(synchronize_session=False)
        ).rowcount
    if spent != 1:
        db.session.rollback()
        _raise_for_finished(seller)
    # Its row is gone: keep what was read, never load it again (it would be ObjectDeletedError).
    db.session.expunge(pending)
    return seller


def _raise_for_finished(seller):
    """After a rollback: the window that won made this seller's link (AlreadyLinked), or nothing did."""
    existing = find_link(*seller)
    if existing is not None:
        raise AlreadyLinked(existing.account) from None
    raise SignupUsedUp() from None


def _attach_link(account, pending):
    """The link to the QSM seller, with the tokens QSM issued (the pending sign-up is already used up)."""
    claims = pending.claims
    link = QsmLink(
        account=account,
        platform=pending.platform,
        sub=pending.sub,
        seller_id=claims.get("seller_id"),
        shop_name=claims.get("shop_name"),
    )
    db.session.add(link)
    store_tokens(link, token_vault.decrypt_json(pending.token_encrypted))
    return link


def _commit_link(seller, conflict):
    """Commit; when a unique constraint refuses it (another window finished first), say why.
    ``seller`` is (platform, sub), as _use_up read it."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = find_link(*seller)
        if existing is not None:
            raise AlreadyLinked(existing.account) from None
        raise conflict from None


def refresh_link_tokens(link, token):
    """A linked seller came through QSM again: keep the newest grant."""
    store_tokens(link, token)
    db.session.commit()


class NoPasswordYet(LinkingError):
    pass


class WrongPassword(LinkingError):
    pass


class LinkedToAnotherSeller(LinkingError):
    pass


def linkable_accounts(pending):
    """Accounts offered for linking: only when QSM vouches for the email, and only accounts
    whose own email SmartShip confirmed (an unconfirmed one may be an attacker's pre-registration)."""
    from .accounts import accounts_with_confirmed_email

    claims = pending.claims
    if claims.get("email_verified") is not True:
        return []
    return [
        account
        for account in accounts_with_confirmed_email(claims.get("email"))
        if not any(link.platform == pending.platform for link in account.links)
    ]


def link_existing_account(pending, account, password, agreed):
    """Link ``account`` to the QSM seller once its own password is proven. Never touches the
    account's email confirmation: QSM's word about the seller says nothing about this account."""
    from .accounts import verify_password

    check_agreements(agreed)
    if not verify_password(account, password):
        if not account.has_password:
            raise NoPasswordYet(
                _("This SmartShip account has no password yet. Use Password Reset to set one, then finish linking.")
            )
        raise WrongPassword(_("The password is not correct."))
    existing = find_link(pending.platform, pending.sub)
    if existing is not None:
        raise AlreadyLinked(existing.account)
    if any(link.platform == pending.platform for link in account.links):
        raise LinkedToAnotherSeller(_("This SmartShip account is already linked to another QSM seller."))
    now = utcnow()
    has_application = db.session.execute(db.select(FulfillmentApplication.id).filter_by(account_id=account.id)).first()
    seller = _use_up(pending)
    _attach_link(account, pending)
    account.terms_agreed_at = account.terms_agreed_at or now
    account.privacy_agreed_at = account.privacy_agreed_at or now
    account.qsm_data_agreed_at = now
    account.marketing_opt_in = account.marketing_opt_in or "marketing" in agreed
    if not has_application:
        db.session.add(FulfillmentApplication(account=account))
    _commit_link(seller, LinkedToAnotherSeller("This SmartShip account is already linked to another QSM seller."))
    return account
