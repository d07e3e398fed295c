"""A relying party's side of Log in with QSM, driven through its Flask test client while a fake
QSM (fake_qsm.py) answers for QSM: the callback with QSM's answer to the request it started.
SmartShip's linked sign-up and Parcel Pal's login each say how they start."""


class CallbackDriver:
    """Subclasses start the login (``start()``: the authorization request's parameters, after
    handing its nonce to the fake QSM) and name their callback path."""

    CALLBACK_PATH = "/callback"

    def __init__(self, client, fake):
        self.client = client
        self.fake = fake

    def start(self):
        raise NotImplementedError

    def callback(self, params=None, **overrides):
        """QSM's answer to the request ``params`` (started now if None): a code, or ``overrides``;
        an override of None leaves that parameter out."""
        params = params or self.start()
        query = {"code": "code-1", "state": params["state"], "iss": self.fake.issuer}
        query.update(overrides)
        return self.client.get(self.CALLBACK_PATH, query_string={k: v for k, v in query.items() if v is not None})
