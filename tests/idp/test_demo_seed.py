"""Demo data: a couple of sellers with orders, and the demo sites' clients; safe to load twice."""
from idp.auth.sellers import authenticate
from idp.demo import DEMO_PASSWORD, DEMO_SELLERS, seed_demo
from idp.digests import digest
from idp.extensions import db
from idp.models import OAuthClient, Order, Seller, SigningKey

SMARTSHIP = (
    "smartship",
    "demo-secret-1",
    {"name": "SmartShip", "redirect_uris": ["http://127.0.0.1:5001/cb"], "scope": "openid email", "trusted": True},
)


def count(model):
    return db.session.execute(db.select(db.func.count(model.id))).scalar()


def test_demo_sellers_have_orders_and_can_log_in(app):
    sellers = seed_demo()
    assert len(sellers) >= 2
    assert [s.email for s in sellers] == [d["email"] for d in DEMO_SELLERS]
    for seller in sellers:
        assert authenticate(seller.email, DEMO_PASSWORD).id == seller.id
        assert seller.shop_name and seller.contact_name and seller.phone and seller.address["formatted"]
        orders = db.session.execute(db.select(Order).filter_by(seller_pk=seller.id)).scalars().all()
        assert len(orders) == 12
        assert all(o.order_no.startswith(seller.seller_id) for o in orders)
    assert count(SigningKey) == 2


def test_demo_logs_in_through_the_page(client, auth):
    seed_demo()
    response = auth.login(email=DEMO_SELLERS[0]["email"], password=DEMO_PASSWORD)
    assert response.status_code == 302
    assert DEMO_SELLERS[0]["shop_name"] in client.get("/").get_data(as_text=True)


def test_seeding_twice_duplicates_nothing_and_keeps_identities(app):
    first = {s.email: s.sub for s in seed_demo(clients=[SMARTSHIP])}
    counts = [count(m) for m in (Seller, Order, OAuthClient, SigningKey)]
    second = {s.email: s.sub for s in seed_demo(clients=[SMARTSHIP])}
    assert first == second
    assert [count(m) for m in (Seller, Order, OAuthClient, SigningKey)] == counts


def test_seeding_again_updates_a_demo_clients_secret_and_settings(app):
    seed_demo(clients=[SMARTSHIP])
    client_id, _, settings = SMARTSHIP
    seed_demo(clients=[(client_id, "demo-secret-2", {**settings, "redirect_uris": ["http://127.0.0.1:5002/cb"]})])
    client = db.session.execute(db.select(OAuthClient).filter_by(client_id="smartship")).scalar_one()
    assert client.client_secret_hash == digest("demo-secret-2")
    assert client.redirect_uris == ["http://127.0.0.1:5002/cb"]
    assert count(OAuthClient) == 1


def test_seeding_again_follows_the_demo_sites_new_addresses(app):
    from idp.demo import seed_demo
    from idp.extensions import db
    from idp.models import OAuthClient

    def settings(port):
        base = f"http://127.0.0.1:{port}"
        return {
            "name": "SmartShip",
            "redirect_uris": [f"{base}/auth/callback/qoo10-sg"],
            "post_logout_redirect_uris": [f"{base}/login"],
            "backchannel_logout_uri": f"{base}/backchannel-logout/qoo10-sg",
            "home_page": base + "/",
            "scope": "openid profile",
            "trusted": True,
        }

    seed_demo(clients=[("smartship", "s3cret-one", settings(5001))])
    seed_demo(clients=[("smartship", "s3cret-two", settings(6001))])
    client = db.session.execute(db.select(OAuthClient).filter_by(client_id="smartship")).scalar_one()
    assert client.redirect_uris == ["http://127.0.0.1:6001/auth/callback/qoo10-sg"]
    assert client.backchannel_logout_uri == "http://127.0.0.1:6001/backchannel-logout/qoo10-sg"
    assert client.home_page == "http://127.0.0.1:6001/" and client.check_client_secret("s3cret-two")


def test_seeding_again_follows_a_clients_pushed_request_setting(app):
    """A demo instance made before a client required PAR requires it once seeded again."""
    client_id, secret, settings = SMARTSHIP
    seed_demo(clients=[SMARTSHIP])
    assert db.session.execute(db.select(OAuthClient.require_pushed_authorization_requests)).scalar_one() is False
    seed_demo(clients=[(client_id, secret, {**settings, "require_pushed_authorization_requests": True})])
    assert db.session.execute(db.select(OAuthClient.require_pushed_authorization_requests)).scalar_one() is True
