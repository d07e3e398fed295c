"""The OpenID Provider metadata, built once per process from the routes themselves."""
from flask import current_app, url_for

from .claims import CLAIMS_SUPPORTED, SCOPES
from .keys import ALGORITHMS

TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def _endpoint(name):
    return current_app.config["ISSUER"] + url_for(name)


def build_metadata():
    return {
        "issuer": current_app.config["ISSUER"],
        "authorization_endpoint": _endpoint("oauth.authorize"),
        "token_endpoint": _endpoint("oauth.token"),
        "userinfo_endpoint": _endpoint("oauth.userinfo"),
        "jwks_uri": _endpoint("oauth.jwks"),
        "revocation_endpoint": _endpoint("oauth.revoke"),
        "introspection_endpoint": _endpoint("oauth.introspect"),
        "end_session_endpoint": _endpoint("oauth.end_session"),
        "pushed_authorization_request_endpoint": _endpoint("oauth.push_authorization_request"),
        "require_pushed_authorization_requests": False,  # per client: require_pushed_authorization_requests
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(ALGORITHMS),
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS[:2],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS_SUPPORTED,
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }


def metadata_json():
    cached = current_app.extensions.get("qsm_discovery")
    if cached is None:
        from flask import json

        cached = json.dumps(build_metadata())
        current_app.extensions["qsm_discovery"] = cached
    return cached
