"""SmartShip's own accounts: both ways to log in, direct sign-up, password reset and change."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from websafety.redirects import safe_next

from .. import qsm
from ..account_tokens import RESET, peek
from ..accounts import (
    AccountError,
    accounts_with_confirmed_email,
    confirm_email,
    create_account,
    reset_password,
    resolve_identifier,
    send_email_confirmation,
    send_password_reset,
    set_password,
    verify_password,
)
from ..extensions import limiter
from ..forms import ActionForm, ChangePasswordForm, DirectSignupForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from ..login_policy import LOGIN_FAILED, LoggedIn, log_in
from ..password_policy import MIN_LENGTH as PASSWORD_MIN_LENGTH, WeakPassword
from ..refusals import Refused
from ..session_login import sign_in, sign_out
from ..signup_policy import resume_linking_after_reset

bp = Blueprint("account", __name__)

RESET_SENT = _l(
    "If an account matches, we sent a password reset link to its email address. The link works once, for 30 minutes."
)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("orders.index"))
    return redirect(url_for("account.login"))

@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    elif form.validate_on_submit():
        match log_in(form.identifier.data, form.password.data):
            case LoggedIn(account=account):
                sign_in(account, via="password")
                return redirect(safe_next(form.next.data) or url_for("orders.index"))
            case Refused(message=message, status=status):
                flash(message, "error")
    elif request.method == "POST":
        flash(str(LOGIN_FAILED), "error")
        status = 400
    return render_template("smartship/login.html", form=form, platforms=qsm.platforms()), status

@bp.get("/login/qsm")
def login_with_qsm():
    """Log in with QSM: the linked connection. The same flow as linked sign-up."""
    return redirect(url_for("signup.start", platform=request.args.get("platform") or None))

@bp.post("/logout")
def logout():
    if not ActionForm().validate_on_submit():
        return redirect(url_for("account.login"))
    ended = sign_out()
    flash(_("You have been logged out of SmartShip."), "info")
    if ended is not None and ended.row.via == "qsm" and ended.id_token:
        # Signed in through QSM: log out there too (RP-initiated logout), then come back.
        url = qsm.end_session_url(ended.row.platform, ended.id_token, url_for("account.login"))
        if url:
            return redirect(url)
    return redirect(url_for("account.login"))

@bp.get("/account")
@login_required
def details():
    return render_template("smartship/account.html", account=current_user, platforms=qsm.platforms())

@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"], methods=["POST"])
def direct_signup():
    form = DirectSignupForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = create_account(form.login_id.data, form.email.data, form.password.data)
        except (AccountError, WeakPassword) as error:
            flash(str(error), "error")
            status = 400
        else:
            send_email_confirmation(account)
            flash(
                _(
                    "Your account %(login_id)s is ready. We sent a link to %(email)s to confirm your email address.",
                    login_id=account.login_id,
                    email=account.email,
                ),
                "info",
            )
            return redirect(url_for("account.login"))
    elif request.method == "POST":
        status = 400
    return render_template("smartship/signup.html", form=form), status

@bp.get("/confirm-email/<token>")
def confirm_email_link(token):
    try:
        account = confirm_email(token)
    except AccountError as error:
        return render_template("smartship/message.html", title=_("Link expired"), message=str(error)), 400
    return render_template(
        "smartship/message.html",
        title=_("Email confirmed"),
        message=_("The email address of %(login_id)s is confirmed.", login_id=account.login_id),
    )


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        account, reason = resolve_identifier(form.identifier.data)
        targets = (
            [account]
            if account
            else (accounts_with_confirmed_email(form.identifier.data) if reason == "ambiguous" else [])
        )
        for target in targets:
            send_password_reset(target)
        # The same answer whether or not an account exists.
        flash(str(RESET_SENT), "info")
        return redirect(url_for("account.forgot_password"))
    return render_template("smartship/forgot_password.html", form=form), (400 if request.method == "POST" else 200)

@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password_link(token):
    row = peek(token, RESET)
    if row is None:
        return render_template(
            "smartship/message.html",
            title=_("Link expired"),
            message=_("This password reset link has expired or was already used. Please ask for a new one."),
        ), 400
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = reset_password(token, form.password.data)
        except WeakPassword as error:
            form.password.errors.append(str(error))  # said beside the new password
            status = 400
        except AccountError as error:
            flash(str(error), "error")
            status = 400
        else:
            if current_user.is_authenticated and current_user.id == account.id:
                sign_out()
            if resume_linking_after_reset(session):
                flash(_("Your new password is set. Enter it to finish linking your account."), "info")
                return redirect(url_for("signup.form"))
            flash(
                _(
                    "Your new password is set. Log in with your login ID %(login_id)s and the new password.",
                    login_id=account.login_id,
                ),
                "info",
            )
            return redirect(url_for("account.login"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "smartship/reset_password.html",
        form=form,
        login_id=row.account.login_id,
        password_min_length=PASSWORD_MIN_LENGTH,
    ), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        if not verify_password(current_user, form.current_password.data):
            flash(_("The current password is not correct."), "error")
            status = 400
        else:
            try:
                set_password(current_user, form.password.data)
            except WeakPassword as error:
                form.password.errors.append(str(error))  # said beside the new password
                status = 400
            else:
                sign_in(current_user._get_current_object(), via="password")
                flash(_("Your SmartShip password has been changed. Other sessions have been logged out."), "info")
                return redirect(url_for("account.details"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "smartship/change_password.html", form=form, password_min_length=PASSWORD_MIN_LENGTH
    ), status
