"""Linked sign-up from QSM: start, callback, and the sign-up page with its Done button."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from relying_party import token_vault

from .. import qsm, throttle
from ..accounts import resolve_identifier, send_password_reset, verify_password
from ..forms import LinkedSignupForm
from ..linking import (
    AlreadyLinked,
    LinkedToAnotherSeller,
    LinkingError,
    LoginIdTaken,
    NoPasswordYet,
    SignupUsedUp,
    WrongPassword,
    create_linked_account,
    find_link,
    hold_pending_signup,
    link_existing_account,
    linkable_accounts,
    load_pending_signup,
    login_id_taken,
    refresh_link_tokens,
)
from ..models import normalize_login
from ..service_setup import complete_service_setup
from ..session_login import sign_in

bp = Blueprint("signup", __name__)


def sign_in_from_qsm(account, platform_id, claims, id_token=None):
    # QSM's session ID (sid) lets a back-channel logout from QSM end exactly this session;
    # the ID token is the hint for logging out at QSM when the seller logs out here.
    sign_in(
        account,
        via="qsm",
        platform=platform_id,
        qsm_sub=claims.get("sub"),
        qsm_sid=claims.get("sid"),
        id_token=id_token,
    )


def qsm_problem(error, platform_id=None):
    status = 502 if isinstance(error, qsm.QSMUnavailable) else 400
    start_url = url_for("signup.start", platform=platform_id) if platform_id else url_for("signup.start")
    return render_template("smartship/qsm_problem.html", message=str(error), start_url=start_url), status


@bp.get("/linked-signup/start")
def start():
    """Where QSM's Join SmartShip button (and Log in with QSM) sends the seller."""
    platform_id = request.args.get("platform") or qsm.default_platform_id()
    try:
        return qsm.authorization_redirect(platform_id)
    except qsm.QSMError as error:
        return qsm_problem(error)


@bp.get("/auth/callback/<platform_id>")
def callback(platform_id):
    try:
        token, claims = qsm.finish_authorization(platform_id, request.args)
    except qsm.QSMError as error:
        return qsm_problem(error, platform_id if platform_id in qsm.platforms() else None)

    link = find_link(platform_id, claims["sub"])
    if link is not None:
        # Already linked: never a second account; sign in through the link.
        refresh_link_tokens(link, token)
        sign_in_from_qsm(link.account, platform_id, claims, token.get("id_token"))
        if link.inventory_reported_status is None:
            for problem in complete_service_setup(link):
                flash(_("Setup with QSM will be retried: %(problem)s", problem=problem), "warning")
        return redirect(url_for("orders.index"))

    session["pending_signup"] = hold_pending_signup(platform_id, token, claims)
    return redirect(url_for("signup.form"))


@bp.route("/linked-signup", methods=["GET", "POST"])
def form():
    pending = load_pending_signup(session.get("pending_signup"))
    if pending is None:
        if request.method == "POST":
            return second_submission()
        return signup_expired()
    candidates = linkable_accounts(pending)
    form = LinkedSignupForm()
    if request.method == "GET":
        # Accounts with the seller's verified email exist: linking one is the default.
        form.registration_type.data = "existing" if candidates else "new"
        form.existing_account.data = candidates[0].login_id if candidates else ""
    page = SignupPage(pending, form, candidates)
    if form.validate_on_submit():
        if form.registration_type.data == "existing":
            return page.link_existing()
        return page.create_new()
    if request.method == "POST":
        flash(_("Please check the form and try again."), "error")
        page.status = 400
    return page.render()


def signup_expired(finished=False):
    return render_template(
        "smartship/signup_expired.html", start_url=url_for("signup.start"), maybe_finished=finished
    ), 400


def second_submission():
    """Done (or Password Reset) sent again after the sign-up was used up: a double click, or a
    form left open. Nothing is created twice. A browser the first Done already signed in goes on
    to its orders; any other is told the sign-up may be finished, and Continue (through QSM,
    which knows the link) signs it in to the linked account."""
    if current_user.is_authenticated:
        return redirect(url_for("orders.index"))
    return signup_expired(finished=True)


class SignupPage:
    """The linked sign-up page and what its Done and Password Reset buttons do."""

    def __init__(self, pending, form, candidates):
        self.pending = pending
        # Read once: when another window finishes first, this request's transaction is rolled
        # back and the pending sign-up is gone from the database.
        self.platform = pending.platform
        self.form = form
        self.candidates = candidates
        self.claims = pending.claims
        self.id_token = token_vault.decrypt_json(pending.token_encrypted).get("id_token")
        self.needs_login_id = login_id_taken(self.claims.get("email"))
        self.status = 200

    def render(self):
        return render_template(
            "smartship/linked_signup.html",
            form=self.form,
            claims=self.claims,
            platform=qsm.get_platform(self.platform),
            needs_login_id=self.needs_login_id,
            candidates=self.candidates,
        ), self.status

    def fail(self, message, status):
        flash(message, "error")
        self.status = status
        return self.render()

    def sign_in_through_link(self, account):
        sign_in_from_qsm(account, self.platform, self.claims, self.id_token)
        return redirect(url_for("orders.index"))

    def finish(self, account, message):
        sign_in_from_qsm(account, self.platform, self.claims, self.id_token)
        link = next(link for link in account.links if link.platform == self.platform)
        for problem in complete_service_setup(link):
            flash(_("Setup with QSM will be retried: %(problem)s", problem=problem), "warning")
        flash(message, "info")
        return redirect(url_for("orders.index"))

    def create_new(self):
        login_id = self.form.login_id.data if self.needs_login_id else None
        try:
            account = create_linked_account(self.pending, login_id, self.form.agreed())
        except AlreadyLinked as linked:
            # Another window (or a double click) linked this seller first: sign in to that account.
            return self.sign_in_through_link(linked.account)
        except SignupUsedUp:
            return signup_expired()
        except LoginIdTaken as error:
            self.needs_login_id = True
            return self.fail(str(error), 409)
        except LinkingError as error:
            return self.fail(str(error), 400)
        return self.finish(account, _("Your SmartShip account is ready and linked to your QSM seller account."))

    def chosen_account(self):
        """The account picked from the list, or typed by login ID or email: (account, problem)."""
        choice = self.form.existing_account.data
        listed = {a.login_id: a for a in self.candidates}
        if choice and choice != "other" and choice in listed:
            return listed[choice], None
        account, reason = resolve_identifier(self.form.typed_login.data)
        if reason == "ambiguous":
            return None, _("Several SmartShip accounts use this email address. Please enter the login ID instead.")
        return account, None

    def missing_entry(self, account):
        """What the seller left empty, asked for in words: the account to link (when none was
        chosen from the list and none typed), then its password. Said the same whether or not
        the account exists, and not a failed attempt."""
        if account is None and not (self.form.typed_login.data or "").strip():
            return _("Please choose the SmartShip account to link, or enter its login ID or email.")
        if not self.form.password.data:
            return _(
                "Please enter the password of the SmartShip account you are linking."
                " Forgot it? Click Password Reset."
            )
        return None

    def is_listed(self, account):
        """One of the seller's own accounts this page lists (its confirmed email is the one QSM
        verified), however it was chosen: the page already names it, so it may be told more."""
        return account is not None and any(candidate.id == account.id for candidate in self.candidates)

    def link_existing(self):
        account, problem = self.chosen_account()
        if problem:
            return self.fail(problem, 400)
        if self.form.action.data == "reset":
            return self.send_reset(account)
        missing = self.missing_entry(account)
        if missing:
            return self.fail(missing, 400)
        throttle_key = account.id if account else normalize_login(self.form.typed_login.data)
        wait = throttle.retry_after("link", throttle_key)
        if wait:
            return self.fail(throttle.describe_wait(wait), 429)
        if account is None:
            # Unknown typed login: the same answer and cost as a wrong password.
            verify_password(None, self.form.password.data)
            throttle.record_failure("link", throttle_key)
            return self.fail(str(WRONG_PASSWORD), 400)
        try:
            account = link_existing_account(self.pending, account, self.form.password.data or "", self.form.agreed())
        except AlreadyLinked as linked:
            # Another window (or a double click) linked this seller first: sign in to that account.
            return self.sign_in_through_link(linked.account)
        except SignupUsedUp:
            return signup_expired()
        except NoPasswordYet as error:
            # A failed attempt like a wrong password. Only the seller's own listed account hears
            # why (and that Password Reset helps); for a typed login ID the answer would tell
            # anyone whether that account exists and has no password.
            throttle.record_failure("link", throttle_key)
            return self.fail(str(error) if self.is_listed(account) else str(WRONG_PASSWORD), 400)
        except LinkedToAnotherSeller as error:
            return self.fail(str(error), 409)
        except WrongPassword:
            throttle.record_failure("link", throttle_key)
            return self.fail(str(WRONG_PASSWORD), 400)
        except LinkingError as error:
            return self.fail(str(error), 400)
        return self.finish(account, _("Your SmartShip account is now linked to your QSM seller account."))

    def send_reset(self, account):
        wait = throttle.retry_after("reset")
        if wait:
            return self.fail(throttle.describe_wait(wait), 429)
        throttle.record_failure("reset")
        if account is not None:
            # Always the chosen account's own address on file, never one typed into the form.
            send_password_reset(account)
        session["resume_linking"] = True
        flash(
            _(
                "If that account exists, we sent a password reset link to its email address. "
                "Set a new password, then come back here to finish linking."
            ),
            "info",
        )
        return redirect(url_for("signup.form"))


WRONG_PASSWORD = _l("The login ID or password is not correct.")
