"""A client's side of the authorization code flow, for every suite: PKCE, the authorization
request, the code exchange, client authentication, and Flow, which drives it all through a
Flask test client of QSM."""
import base64
import hashlib
import secrets

from joserfc import jwt
from joserfc.jwk import KeySet

from .pages import csrf_token, query_of


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def basic_auth(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def authorization_params(client_id, redirect_uri, scope, code_challenge, /, **overrides):
    """An authorization request with PKCE S256, a random state and nonce; an override of None
    leaves that parameter out."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": "st-" + secrets.token_hex(4),
        "nonce": "n-" + secrets.token_hex(4),
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def code_exchange(code, redirect_uri, verifier, /, **overrides):
    """The token request's form for a code (RFC 6749 4.1.3 with RFC 7636's verifier); an
    override of None leaves that parameter out."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def decode_id_token(http_client, id_token):
    """Verify an ID token's signature against the published JWKS, as a relying party does."""
    keys = KeySet.import_key_set(http_client.get("/oauth/jwks").get_json())
    return jwt.decode(id_token, keys, algorithms=["RS256", "ES256"])


class Flow:
    """Drives the authorization code flow through the test client."""

    def __init__(self, client, oauth_client):
        self.client = client
        self.oauth_client = oauth_client
        self.verifier, self.challenge = pkce_pair()

    def authorize_params(self, **overrides):
        c, scope = self.oauth_client, "openid profile email"
        return authorization_params(c.client_id, c.redirect_uris[0], scope, self.challenge, **overrides)

    def authorize(self, **overrides):
        return self.client.get("/oauth/authorize", query_string=self.authorize_params(**overrides))

    def get_code(self, **overrides):
        response = self.authorize(**overrides)
        if response.status_code == 200 and "Allow" in response.get_data(as_text=True):
            response = self.client.post(
                "/oauth/authorize",
                query_string=self.authorize_params(**overrides),
                data={"decision": "allow", "csrf_token": csrf_token(response.get_data(as_text=True))},
            )
        assert response.status_code == 302, response.get_data(as_text=True)
        params = query_of(response.location)
        assert "code" in params, params
        return params["code"]

    def token_request(self, data, secret=None, client_id=None):
        client_id = client_id or self.oauth_client.client_id
        secret = self.oauth_client.plain_secret if secret is None else secret
        headers = {}
        if secret:
            headers = basic_auth(client_id, secret)
        else:
            data = {**data, "client_id": client_id}
        return self.client.post("/oauth/token", data=data, headers=headers)

    def exchange_data(self, code, **overrides):
        return code_exchange(code, self.oauth_client.redirect_uris[0], self.verifier, **overrides)

    def exchange(self, code, **extra):
        return self.token_request(self.exchange_data(code, **extra))

    def tokens(self, **overrides):
        response = self.exchange(self.get_code(**overrides))
        assert response.status_code == 200, response.get_json()
        return response.get_json()


def token_request_as_registered(f, data, endpoint="/oauth/token"):
    """POST ``data`` for ``f``'s client, authenticated the way that client registered."""
    c = f.oauth_client
    if c.token_endpoint_auth_method == "client_secret_basic":
        return f.client.post(endpoint, data=data, headers=basic_auth(c.client_id, c.plain_secret))
    data = {**data, "client_id": c.client_id}
    if c.token_endpoint_auth_method == "client_secret_post":
        data["client_secret"] = c.plain_secret
    return f.client.post(endpoint, data=data)


def tokens_as_registered(f, **authorize):
    """The code flow for ``f``'s client, the token request sent with its registered method."""
    response = token_request_as_registered(f, f.exchange_data(f.get_code(**authorize)))
    assert response.status_code == 200, response.get_json()
    return response.get_json()
