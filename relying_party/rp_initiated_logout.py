"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): when a seller who signed in with
QSM logs out of a site, the site sends the browser on to QSM's ``end_session_endpoint`` so QSM's
session ends too, then QSM sends it back to ``post_logout_redirect_uri``."""
from authlib.common.urls import add_params_to_uri

from . import provider
from .errors import QSMError


def end_session_url(registration, id_token, post_logout_redirect_uri):
    """QSM's logout URL for this session, or None when QSM cannot be asked (the site then says
    the seller may still be logged in at QSM)."""
    try:
        endpoint = provider.metadata(registration).get("end_session_endpoint")
    except QSMError:
        return None
    if not endpoint:
        return None
    return add_params_to_uri(
        endpoint,
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": registration.client_id,
        },
    )
