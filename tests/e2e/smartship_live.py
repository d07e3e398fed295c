"""A live SmartShip beside a live QSM: a real client registration, real HTTP between them."""

import pytest
from cryptography.fernet import Fernet

from tests.support.live_server import create_tables, live_database_url, stop_and_drop_tables

SMARTSHIP_SCOPE = "openid email profile address phone offline_access qsm.orders.read qsm.inventory"
SMARTSHIP_PASSWORD = "Existing-account-pass-1"


class LiveSmartShip:
    def __init__(self, server, platform_id):
        self.server = server
        self.app = server.app
        self.base_url = server.base_url
        self.platform_id = platform_id

    def url(self, path=""):
        return self.base_url + path

    def query(self, fn):
        with self.app.app_context():
            return fn()


def register_smartship_at(qsm, smartship_base_url, platform_id):
    """The registration the marketplace makes for its family site: trusted and confidential."""
    from idp.oauth.clients import register_client

    with qsm.app.app_context():
        client, secret = register_client(
            name="SmartShip",
            redirect_uris=[f"{smartship_base_url}/auth/callback/{platform_id}"],
            post_logout_redirect_uris=[f"{smartship_base_url}/login"],
            backchannel_logout_uri=f"{smartship_base_url}/backchannel-logout/{platform_id}",
            scope=SMARTSHIP_SCOPE,
            trusted=True,
        )
        return client.client_id, secret


@pytest.fixture(scope="module")
def start_smartship(live_servers, tmp_path_factory):
    """``start(qsm, platform_id)``: a live SmartShip registered at that live QSM."""
    from clients.smartship import create_app
    from clients.smartship.extensions import db

    started = []

    def start(qsm, platform_id="qoo10-sg", platform_name="Qoo10 Singapore"):
        database_url = live_database_url("SMARTSHIP_TEST_DATABASE_URL", tmp_path_factory, "smartship")
        outbox = tmp_path_factory.mktemp("outbox")

        def build(base_url):
            client_id, secret = register_smartship_at(qsm, base_url, platform_id)
            app = create_app(
                "testing",
                test_config={
                    "SQLALCHEMY_DATABASE_URI": database_url,
                    "BASE_URL": base_url,
                    "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                    "MAIL_OUTBOX": str(outbox),
                    "PLATFORMS": [
                        {
                            "id": platform_id,
                            "name": platform_name,
                            "issuer": qsm.base_url,
                            "client_id": client_id,
                            "client_secret": secret,
                        }
                    ],
                },
            )
            create_tables(app, db)
            qsm.app.config["SMARTSHIP_SIGNUP_URL"] = f"{base_url}/linked-signup/start?platform={platform_id}"
            qsm.app.config["SMARTSHIP_LOGIN_URL"] = f"{base_url}/login/qsm?platform={platform_id}"
            return app

        server = live_servers(build)
        started.append(server)
        return LiveSmartShip(server, platform_id)

    yield start
    for server in started:
        stop_and_drop_tables(server, db)


def make_account(smartship, login_id, email_address, password=SMARTSHIP_PASSWORD, primary=False):
    """A SmartShip account made before the seller came through QSM (its email confirmed)."""
    def create():
        from clients.smartship.accounts import create_account, mark_primary

        account = create_account(login_id, email_address, password, email_confirmed=True)
        if primary:
            mark_primary(account)
        return account.login_id

    return smartship.query(create)


def linked_login_id(smartship, seller):
    """The login ID of the SmartShip account linked to that QSM seller, or None."""
    def find():
        from clients.smartship.extensions import db
        from clients.smartship.models import QsmLink

        link = db.session.execute(db.select(QsmLink).filter_by(sub=seller.sub)).scalar_one_or_none()
        return link.account.login_id if link else None

    return smartship.query(find)
