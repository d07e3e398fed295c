from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from websafety.redirects import safe_next

from .. import audit
from ..extensions import throttle
from ..models.seller import normalize_email
from .forms import ChangePasswordForm, LoginForm, LogoutForm
from .sellers import PASSWORD_MIN_LENGTH, SellerError, authenticate, change_password, find_seller_by_email
from .session import end_session, renew_session_identity, start_session

bp = Blueprint("auth", __name__)

# One message for every failure, so the page never tells which half of the credentials was wrong.
LOGIN_FAILED = _l("The email or password is not correct.")
LOGIN_THROTTLED = _l("Too many attempts. Please try again later.")


def login_checks():
    """The throttles a login attempt counts against: its address, and the account it names."""
    config = current_app.config
    email = normalize_email(request.form.get("email", ""))[:254]
    return [
        (config["LOGIN_LIMIT_PER_ADDRESS"], f"login:address:{request.remote_addr}"),
        (config["LOGIN_LIMIT_PER_ACCOUNT"], f"login:account:{email}"),
    ]


def record_against_account(kind, email):
    # Only events of a real account are kept (and shown to its owner); unknown emails leave no row.
    seller = find_seller_by_email(email)
    if seller is not None:
        audit.record(kind, seller=seller)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        if request.args.get("login_hint"):
            form.email.data = request.args["login_hint"][:254]
        return render_template("idp/login.html", form=form)
    checks = login_checks()
    if throttle.retry_after(checks):
        # The same page whether or not the password was right: the throttle must not confirm a guess.
        record_against_account("login_throttled", request.form.get("email", ""))
        flash(str(LOGIN_THROTTLED), "error")
        return render_template("idp/login.html", form=form), 429
    if form.validate_on_submit():
        seller = authenticate(form.email.data, form.password.data)
        if seller is not None:
            start_session(seller)  # the login session and its audit event, in one commit
            return redirect(safe_next(form.next.data) or url_for("portal.home"))
        record_against_account("login_failed", form.email.data)
    # Only failed attempts count toward the throttles.
    throttle.record_failure(checks)
    flash(str(LOGIN_FAILED), "error")
    return render_template("idp/login.html", form=form)


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            audit.record("logout", seller=current_user._get_current_object())
        end_session()
        flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        seller = current_user._get_current_object()
        try:
            change_password(seller, form.current_password.data, form.new_password.data)
        except SellerError as error:
            flash(str(error), "error")
        else:
            renew_session_identity(seller)
            audit.record("password_changed", seller=seller)
            flash(_("Your password has been changed. Your other sessions have been logged out."), "info")
            return redirect(url_for("portal.home"))
    return render_template("idp/password.html", form=form, password_min_length=PASSWORD_MIN_LENGTH)
