"""Passkey pages: the seller's passkeys (add, remove) and logging in with one. The ceremonies
themselves are in ceremonies.py; the browser side is static/passkeys.js."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from websafety.redirects import safe_next

from .. import audit
from ..auth.session import start_session
from ..extensions import db, throttle
from ..models import Passkey
from ..passwords import check_password
from . import ceremonies
from .ceremonies import PasskeyError
from .forms import AddPasskeyForm, RemovePasskeyForm

bp = Blueprint("passkeys", __name__)

LOGIN_FAILED = _l("That passkey did not log you in. Try again, or log in with your email and password.")


def password_checks(seller):
    """Re-entering the password to add a passkey counts against the account's login throttle."""
    return [(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], f"login:account:{seller.email}")]


def login_checks():
    """Passkey logins count against the same per-address throttle as password logins."""
    return [(current_app.config["LOGIN_LIMIT_PER_ADDRESS"], f"login:address:{request.remote_addr}")]


@bp.get("/account/passkeys")
@login_required
def index():
    return render_passkeys(AddPasskeyForm())


def render_passkeys(form, status=200):
    passkeys = ceremonies.passkeys_of(current_user)
    return render_template("idp/passkeys.html", passkeys=passkeys, form=form, remove_form=RemovePasskeyForm()), status


@bp.post("/account/passkeys/new")
@login_required
def new():
    """Asked for the password again, then the page that asks the browser to make a passkey."""
    seller = current_user._get_current_object()
    form = AddPasskeyForm()
    if not form.validate_on_submit():
        return render_passkeys(form, 400)
    checks = password_checks(seller)
    if throttle.retry_after(checks):
        flash(_("Too many attempts. Please try again later."), "error")
        return render_passkeys(form, 429)
    if not check_password(form.password.data, seller.password_hash):
        throttle.record_failure(checks)
        form.password.errors.append(_("The password is not correct."))
        return render_passkeys(form, 400)
    try:
        options = ceremonies.registration_options(seller)
    except PasskeyError as error:
        flash(str(error), "error")
        return render_passkeys(form, 400)
    return render_template("idp/passkey_register.html", options=options, name=form.name.data.strip())


@bp.post("/account/passkeys/register")
@login_required
def register():
    seller = current_user._get_current_object()
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error=_("Send the passkey as JSON.")), 400
    try:
        passkey = ceremonies.register(seller, data.get("name"), data.get("credential"))
        db.session.flush()
    except PasskeyError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 400
    except IntegrityError:  # the same credential registered by a request a moment earlier
        db.session.rollback()
        return jsonify(error=_("This passkey is already registered.")), 400
    audit.add("passkey_added", seller=seller, detail=passkey.name)
    db.session.commit()  # the passkey and its audit event, together
    flash(_("Passkey \u201c%(name)s\u201d added. You can now log in with it.", name=passkey.name), "info")
    return jsonify(redirect=url_for("passkeys.index"))


@bp.post("/account/passkeys/<int:passkey_id>/remove")
@login_required
def remove(passkey_id):
    seller = current_user._get_current_object()
    if not RemovePasskeyForm().validate_on_submit():
        abort(400)
    passkey = db.session.execute(db.select(Passkey).filter_by(id=passkey_id, seller_pk=seller.id)).scalar_one_or_none()
    if passkey is None:
        abort(404)
    db.session.delete(passkey)
    audit.add("passkey_removed", seller=seller, detail=passkey.name)
    db.session.commit()
    flash(_("Passkey \u201c%(name)s\u201d removed. It can no longer log you in.", name=passkey.name), "info")
    return redirect(url_for("passkeys.index"), 303)


@bp.post("/login/passkey/options")
def login_options():
    return current_app.response_class(ceremonies.authentication_options(), mimetype="application/json")


@bp.post("/login/passkey")
def login():
    checks = login_checks()
    if throttle.retry_after(checks):
        return jsonify(error=_("Too many attempts. Please try again later.")), 429
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error=_("Send the passkey as JSON.")), 400
    try:
        seller, passkey = ceremonies.authenticate(data.get("credential"))
    except PasskeyError as error:
        db.session.rollback()
        throttle.record_failure(checks)
        if error.seller_pk is not None:
            audit.record("passkey_login_failed", seller_pk=error.seller_pk)
        return jsonify(error=f"{error} {LOGIN_FAILED!s}"), 400
    # The counter first: a crash before the session is written leaves a login to redo, never
    # a counter that a cloned authenticator could replay.
    db.session.commit()
    start_session(seller, event="passkey_login_succeeded", amr=passkey.amr)
    return jsonify(redirect=safe_next(data.get("next")) or url_for("portal.home"))
