"""Rules on authorization request parameters that the authorization endpoint (authorize_policy.py)
and the push of a request (pushed.py) both apply, beyond what Authlib's grant checks (``prompt``:
authorize_policy.check_prompt, run by the code grant for both)."""
from authlib.oauth2.rfc6749.errors import InvalidRequestError


def max_age_seconds(value):
    """OpenID Connect Core 3.1.2.1 ``max_age``: whole seconds, or None when absent."""
    if not value:  # RFC 6749 3.1: a parameter sent without a value is an absent one
        return None
    try:
        seconds = int(value)
    except ValueError:
        raise InvalidRequestError("'max_age' must be a whole number of seconds.") from None
    if seconds < 0:
        raise InvalidRequestError("'max_age' must not be negative.")
    return seconds
