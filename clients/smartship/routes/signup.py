"""Linked sign-up from QSM: start, callback, and the sign-up page with its Done button."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from relying_party import token_vault

from .. import qsm, signup_policy
from ..forms import LinkedSignupForm
from ..linking import find_link, hold_pending_signup, linkable_accounts, load_pending_signup, refresh_link_tokens
from ..refusals import Refused
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

    session[signup_policy.PENDING_SIGNUP] = hold_pending_signup(platform_id, token, claims)
    return redirect(url_for("signup.form"))


@bp.route("/linked-signup", methods=["GET", "POST"])
def form():
    pending = load_pending_signup(session.get(signup_policy.PENDING_SIGNUP))
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
        return page.submit()
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
    """The linked sign-up page, and the answer of its Done and Password Reset buttons (what each
    answer is: signup_policy)."""

    def __init__(self, pending, form, candidates):
        self.pending = pending
        # Read once: when another window finishes first, this request's transaction is rolled
        # back and the pending sign-up is gone from the database.
        self.platform = pending.platform
        self.form = form
        self.candidates = candidates
        self.claims = pending.claims
        self.id_token = token_vault.decrypt_json(pending.token_encrypted).get("id_token")
        self.needs_login_id = signup_policy.asks_for_login_id(self.claims)
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

    def submit(self):
        form = self.form
        if form.registration_type.data == "existing":
            chosen = {"choice": form.existing_account.data, "typed_login": form.typed_login.data}
            if form.action.data == "reset":
                return self.answer(signup_policy.send_reset(self.candidates, **chosen))
            return self.answer(
                signup_policy.link_existing(
                    self.pending, self.candidates, password=form.password.data, agreed=form.agreed(), **chosen
                )
            )
        login_id = form.login_id.data if self.needs_login_id else None
        return self.answer(signup_policy.create_new(self.pending, login_id, form.agreed()))

    def answer(self, outcome):
        match outcome:
            case signup_policy.Linked(account=account, message=message):
                return self.finish(account, message)
            case signup_policy.SignInThroughLink(account=account):
                sign_in_from_qsm(account, self.platform, self.claims, self.id_token)
                return redirect(url_for("orders.index"))
            case signup_policy.Expired():
                return signup_expired()
            case signup_policy.ResetSent(message=message):
                signup_policy.remember_reset_for_linking(session)
                flash(message, "info")
                return redirect(url_for("signup.form"))
            case signup_policy.ChooseAnotherLoginId(message=message, status=status):
                self.needs_login_id = True
                return self.fail(message, status)
            case Refused(message=message, status=status):
                return self.fail(message, status)

    def fail(self, message, status):
        flash(message, "error")
        self.status = status
        return self.render()

    def finish(self, account, message):
        sign_in_from_qsm(account, self.platform, self.claims, self.id_token)
        link = next(link for link in account.links if link.platform == self.platform)
        for problem in complete_service_setup(link):
            flash(_("Setup with QSM will be retried: %(problem)s", problem=problem), "warning")
        flash(message, "info")
        return redirect(url_for("orders.index"))
