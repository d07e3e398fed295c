"""A live Parcel Pal (the demo third-party app) registered at a live QSM as any developer's app is,
required to push its authorization requests (RFC 9126) as in the demo."""

import pytest
from cryptography.fernet import Fernet

from tests.support.live_server import create_tables, live_database_url, stop_and_drop_tables

SCOPE = "openid profile qsm.orders.read"


@pytest.fixture(scope="module")
def demo(qsm, live_servers, tmp_path_factory):
    from clients.demo_app import create_demo_app
    from clients.demo_app.extensions import db

    database_url = live_database_url("DEMO_APP_TEST_DATABASE_URL", tmp_path_factory, "demo_app")

    def build(base_url):
        registration = qsm.make_client(
            redirect_uris=[f"{base_url}/callback"],
            post_logout_redirect_uris=[f"{base_url}/"],
            backchannel_logout_uri=f"{base_url}/backchannel-logout",
            scope=SCOPE,
            name="Parcel Pal",
            require_pushed_authorization_requests=True,  # as in the demo: it pushes every request (RFC 9126)
        )
        app = create_demo_app(
            "testing",
            test_config={
                "SQLALCHEMY_DATABASE_URI": database_url,
                "BASE_URL": base_url,
                "QSM_ISSUER": qsm.base_url,
                "CLIENT_ID": registration.client_id,
                "CLIENT_SECRET": registration.client_secret,
                "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            },
        )
        app.registration = registration
        create_tables(app, db)
        return app

    server = live_servers(build)
    yield server
    stop_and_drop_tables(server, db)
