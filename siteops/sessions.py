"""Flask's signed-cookie sessions, with the signing serializer built once per key set.

Flask builds a new serializer (key derivation included) for every request, even one that
carries no cookie; that is a measurable part of a token request.
"""
from flask.sessions import SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    def __init__(self):
        self._serializer = (None, None)  # (the keys it was built for, the serializer)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built_for, serializer = self._serializer
        if built_for != keys:
            serializer = super().get_signing_serializer(app)
            self._serializer = (keys, serializer)
        return serializer
