"""HTTP surface of the OpenID Provider in Flask. Views turn requests into calls; the rules live in
authorize_policy.py (login, prompt, consent), grants.py, consent.py, tokens.py and keys.py.
Discovery and the JWKS (documents.py), a client's own token, introspection and UserInfo
(machine.py) are answered before Flask."""
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ..clock import now
from ..extensions import csrf, db
from . import pushed
from .authorize_policy import ISSUE, LOGIN, check_prompt, decide
from .claims import describe_scopes
from .discovery import TOKEN_AUTH_METHODS
from .server import authorization_server
from .wire import parameter_problem

bp = Blueprint("oauth", __name__)

# What each OAuth error code means to a seller who meets it on QSM's error page (the code itself
# stays on the page as a detail for the app's developer).
ERROR_EXPLANATIONS = {
    "invalid_client": _l(
        "QSM does not know the application that sent you here, or the application is not set up correctly."
    ),
    "invalid_request": _l("The application sent QSM a sign-in request that is incomplete or not valid."),
    "invalid_request_uri": _l(
        "The application's sign-in request has expired or was already used. Sign-in requests can be used only once."
    ),
    "invalid_request_object": _l("The application sent QSM a sign-in request that is not valid."),
    "request_not_supported": _l("The application sent a kind of sign-in request that QSM does not support."),
    "request_uri_not_supported": _l("The application sent a kind of sign-in request that QSM does not support."),
    "unauthorized_client": _l("This application is not allowed to sign you in this way."),
    "unsupported_response_type": _l("This application asked QSM for something that QSM does not offer."),
    "invalid_scope": _l("The application asked for access that QSM does not offer or that it is not allowed."),
    "access_denied": _l("Access was not allowed."),
    "login_required": _l("You need to log in to QSM first."),
    "consent_required": _l("The application needs your permission first."),
    "interaction_required": _l("The application needs you to log in or confirm on QSM first."),
    "account_selection_required": _l("The application needs you to choose a QSM account first."),
    "registration_not_supported": _l("The application sent a kind of sign-in request that QSM does not support."),
    "server_error": _l("Something went wrong on QSM's side."),
    "temporarily_unavailable": _l("QSM is busy or being maintained at the moment. Please try again in a few minutes."),
}
UNKNOWN_ERROR = _l("QSM could not complete the application's sign-in request.")


@bp.before_request
def refuse_malformed_parameters():
    """Repeated, oversized or NUL parameters are refused before Authlib sees them (wire.py);
    request.values: a parameter in both the query and the body is given twice too."""
    problem = parameter_problem(request.values.items(multi=True))
    return malformed_request(problem) if problem else None


def malformed_request(description):
    error = InvalidRequestError(description)
    if request.endpoint in ("oauth.authorize", "oauth.end_session"):
        return render_error_page(error)
    return authorization_server.handle_error_response(None, error)


def render_error_page(error):
    explanation = ERROR_EXPLANATIONS.get(error.error, UNKNOWN_ERROR)
    return (
        render_template(
            "idp/oauth_error.html", error=error.error, description=error.description, explanation=str(explanation)
        ),
        400,
    )


def with_issuer(response):
    """RFC 9207: every redirect back to the client names the issuer."""
    if response.status_code in (301, 302, 303) and response.location:
        response.headers["Location"] = add_params_to_uri(response.location, [("iss", current_app.config["ISSUER"])])
    return response


def authorization_error(error, grant=None):
    if error.redirect_uri:
        if not spend_pushed_request():
            return render_error_page(pushed.already_used())
        if grant is not None:
            error.state = grant.request.payload.state
        return with_issuer(authorization_server.handle_error_response(None, error))
    return render_error_page(error)


def spend_pushed_request():
    """An answer to the client spends the pushed request it answers (pushed.py), once."""
    pushed_request = pushed.current()
    return pushed_request is None or pushed.spend(pushed_request)


def login_url_for_request(data, prompts):
    # Drop prompt=login and max_age from the URL the seller returns to: the fresh login
    # satisfies both, and max_age=0 would otherwise send a login that crossed a second back.
    args = {k: v for k, v in request.args.items() if k not in ("prompt", "max_age")}
    remaining = [p for p in prompts if p != "login"]
    if remaining:
        args["prompt"] = " ".join(remaining)
    next_url = url_for("oauth.authorize") + "?" + urlencode(args)
    params = {"next": next_url}
    if data.get("login_hint"):
        params["login_hint"] = data["login_hint"]
    return url_for("auth.login", **params)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
@csrf.exempt
def authorize():
    if request.method == "POST":
        if "decision" not in request.form:
            # OpenID Connect Core 3.1.2.1: an RP may POST the request; it means what the GET does.
            query = urlencode(list(request.values.items(multi=True)))
            return redirect(url_for("oauth.authorize") + "?" + query, 303)
        # The seller's answer on the consent page: only from a page QSM served.
        csrf.protect()
    seller = current_user if current_user.is_authenticated else None
    try:
        grant = authorization_server.get_consent_grant(end_user=seller)
    except OAuth2Error as error:
        return authorization_error(error)

    data = grant.request.payload.data
    prompts = check_prompt(data.get("prompt"))
    try:
        decision = decide(
            seller,
            grant.client,
            grant.request.scope,
            prompts,
            max_age=data.get("max_age"),
            auth_time=session.get("auth_time"),
            at=now(),
            pushed_request=pushed.current(),
            answer=request.form.get("decision") if request.method == "POST" else None,
            redirect_uri=grant.request.payload.redirect_uri,
        )
    except OAuth2Error as error:
        return authorization_error(error, grant)
    if decision.action == LOGIN:
        if request.method != "GET":
            return render_error_page(
                InvalidRequestError(_("Your session ended. Please start again from the application."))
            )
        return redirect(login_url_for_request(data, prompts))
    if decision.action == ISSUE:
        return issue_code(grant, decision.seller)
    return render_template(
        "idp/consent.html",
        client=grant.client,
        scopes=describe_scopes(grant.request.scope),
        new_scopes=set(decision.scopes),
        action=request.full_path,
    )


def issue_code(grant, seller):
    if not spend_pushed_request():
        return render_error_page(pushed.already_used())
    return with_issuer(authorization_server.create_authorization_response(grant=grant, grant_user=seller))


@bp.post("/oauth/par")
@csrf.exempt
def push_authorization_request():
    """RFC 9126: the client pushes its authorization request; the browser will carry only its reference."""
    oauth_request = authorization_server.create_oauth2_request(request)
    try:
        client = authorization_server.authenticate_client(
            oauth_request, TOKEN_AUTH_METHODS, "pushed_authorization_request"
        )
        body = pushed.push(authorization_server, client, request.form)
    except OAuth2Error as error:
        error.redirect_uri = None  # told to the client itself, never through a redirect
        return authorization_server.handle_error_response(oauth_request, error)
    return jsonify(body), 201, {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.post("/oauth/token")
@csrf.exempt
def token():
    """The code and refresh grants (a client's own token is answered before Flask: machine.py)."""
    # The response (an ID token's claims) is built from rows this request just read: nothing
    # to reload from the database after the grant commits.
    db.session().expire_on_commit = False
    return authorization_server.create_token_response()


@bp.post("/oauth/revoke")
@csrf.exempt
def revoke():
    return authorization_server.create_endpoint_response("revocation")


@bp.route("/oauth/logout", methods=["GET", "POST"])
@csrf.exempt
def end_session():
    try:
        end_request = authorization_server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return render_error_page(error)
    if end_request.needs_confirmation:
        # Without a valid id_token_hint anyone could log the seller out: ask first.
        if request.method == "GET" or "confirm" not in request.form:
            return render_template("idp/logout_confirm.html", client=end_request.client)
        csrf.protect()
    response = authorization_server.create_endpoint_response("end_session", end_request)
    return response or render_template("idp/logged_out.html")
