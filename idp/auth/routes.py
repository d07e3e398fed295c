from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..clock import now
from ..extensions import limiter
from ..models.seller import normalize_email
from .forms import ChangePasswordForm, LoginForm, LogoutForm
from .sellers import SellerError, authenticate, change_password

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "The email or password is not correct."


def safe_next(target):
    """Only a path on this site: never another host, scheme or a protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def login_account_key():
    return "login-account:" + normalize_email(request.form.get("email", ""))[:254]


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
            # A new session on login: nothing from before survives (session fixation).
            session.clear()
            login_user(seller)
            session["auth_time"] = now()
            session.permanent = True
            return redirect(safe_next(form.next.data) or url_for("portal.home"))
        flash(LOGIN_FAILED, "error")
    elif request.method == "POST":
        flash(LOGIN_FAILED, "error")
    return render_template("idp/login.html", form=form)


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data)
        except SellerError as error:
            flash(str(error), "error")
        else:
            # The version in the session identity changed: log this session in again.
            login_user(current_user)
            flash("Your password has been changed. Other sessions have been logged out.", "info")
            return redirect(url_for("portal.home"))
    return render_template("idp/password.html", form=form)
