from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from websafety.redirects import safe_next

from .. import audit
from ..extensions import limiter
from ..models.seller import normalize_email
from ..web import error_response
from .forms import ChangePasswordForm, LoginForm, LogoutForm
from .sellers import SellerError, authenticate, change_password, find_seller_by_email
from .session import end_session, renew_session_identity, start_session

bp = Blueprint("auth", __name__)

# One message for every failure, so the page never tells which half of the credentials was wrong.
LOGIN_FAILED = "The email or password is not correct."
LOGIN_THROTTLED = "Too many attempts. Please try again later."


def login_account_key():
    return "login-account:" + normalize_email(request.form.get("email", ""))[:254]


def record_against_account(kind, email):
    # Only events of a real account are kept (and shown to its owner); unknown emails leave no row.
    seller = find_seller_by_email(email)
    if seller is not None:
        audit.record(kind, seller=seller)


def login_failed(response):
    # Only failed attempts count toward the throttles.
    return request.method == "POST" and response.status_code == 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=login_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=login_account_key,
    deduct_when=login_failed,
)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        if request.args.get("login_hint"):
            form.email.data = request.args["login_hint"][:254]
    if form.validate_on_submit():
        seller = authenticate(form.email.data, form.password.data)
        if seller is not None:
            start_session(seller)
            audit.record("login_succeeded", seller=seller)
            return redirect(safe_next(form.next.data) or url_for("portal.home"))
        record_against_account("login_failed", form.email.data)
    if request.method == "POST":
        flash(LOGIN_FAILED, "error")
    return render_template("idp/login.html", form=form)


@bp.errorhandler(429)
def login_throttled(error):
    if request.endpoint != "auth.login":
        return error_response(error)
    # The same page whether or not the password was right: the throttle must not confirm a guess.
    record_against_account("login_throttled", request.form.get("email", ""))
    flash(LOGIN_THROTTLED, "error")
    return render_template("idp/login.html", form=LoginForm()), 429


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            audit.record("logout", seller=current_user._get_current_object())
        end_session()
        flash("You have been logged out.", "info")
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
            flash("Your password has been changed. Your other sessions have been logged out.", "info")
            return redirect(url_for("portal.home"))
    return render_template("idp/password.html", form=form)
