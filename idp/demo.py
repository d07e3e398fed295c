"""Demo data: the demo sellers (those of SmartShip's demo accounts among them) with orders, and
the clients that the demo sites need. Idempotent."""
import random
from datetime import timedelta
from decimal import Decimal

from .auth.sellers import create_seller, find_seller_by_email
from .digests import digest
from .extensions import db
from .models import OAuthClient, Order
from .models.seller import utcnow
from .oauth.clients import check_redirect_uri, register_client
from .oauth.keys import ensure_signing_keys

DEMO_PASSWORD = "qsm-demo-password"

DEMO_SELLERS = [
    {
        "email": "seller@example.com",
        "shop_name": "Lion City Gadgets",
        "contact_name": "Tan Wei Ling",
        "phone": "+65 6123 4567",
        "street_address": "10 Anson Road #12-01",
        "locality": "Singapore",
        "postal_code": "079903",
        "country": "SG",
    },
    {
        "email": "kimchi.market@example.com",
        "shop_name": "Kimchi Market",
        "contact_name": "Park Ji-woo",
        "phone": "+65 6987 6543",
        "street_address": "1 Harbourfront Walk",
        "locality": "Singapore",
        "postal_code": "098585",
        "country": "SG",
    },
    # SmartShip's demo data has two accounts with this email (clients/smartship/demo.py): linking
    # this seller shows "choose which account to link".
    {
        "email": "harbour.books@example.com",
        "shop_name": "Harbour Books",
        "contact_name": "Nur Aisyah",
        "phone": "+65 6222 1100",
        "street_address": "31 Ocean Way #01-05",
        "locality": "Singapore",
        "postal_code": "098375",
        "country": "SG",
    },
]

ITEMS = ["USB-C charger 65W", "Bamboo phone stand", "Wireless earbuds", "Cable organiser set", "Laptop sleeve 14in"]
BUYERS = ["Aisha R.", "Ben K.", "Chloe N.", "Dinesh P.", "Emily W.", "Farid S."]


def seed_orders(seller, count, rng):
    if db.session.execute(db.select(Order.id).filter_by(seller_pk=seller.id).limit(1)).first():
        return
    start = utcnow() - timedelta(days=count)
    for i in range(count):
        db.session.add(
            Order(
                seller_pk=seller.id,
                order_no=f"{seller.seller_id}-{1000 + i}",
                buyer_name=rng.choice(BUYERS),
                item_name=rng.choice(ITEMS),
                quantity=rng.randint(1, 3),
                amount=Decimal(rng.randint(900, 15900)) / 100,
                currency="SGD",
                status=rng.choice(["paid", "paid", "shipping", "delivered"]),
                ordered_at=start + timedelta(days=i, hours=rng.randint(0, 23)),
            )
        )
    db.session.commit()


def upsert_client(client_id, secret, **settings):
    """Register a demo client, or bring an existing one up to date with this secret and settings."""
    client = db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one_or_none()
    if client is None:
        client, _ = register_client(client_id=client_id, **settings)
    else:
        # The demo's addresses may change between runs (other ports): follow them.
        client.redirect_uris = [check_redirect_uri(u) for u in settings["redirect_uris"]]
        client.post_logout_redirect_uris = [
            check_redirect_uri(u) for u in settings.get("post_logout_redirect_uris", ())
        ]
        backchannel = settings.get("backchannel_logout_uri")
        client.backchannel_logout_uri = check_redirect_uri(backchannel) if backchannel else None
        client.home_page = settings.get("home_page", client.home_page)
        client.scope = settings.get("scope", client.scope)
        client.trusted = settings.get("trusted", client.trusted)
        client.require_pushed_authorization_requests = bool(settings.get("require_pushed_authorization_requests"))
        if "grant_types" in settings:
            client.grant_types = " ".join(settings["grant_types"])
    if secret:
        client.client_secret_hash = digest(secret)
    db.session.commit()
    return client


def seed_demo(clients=()):
    """``clients``: (client_id, secret, settings) triples for the demo sites."""
    ensure_signing_keys()
    rng = random.Random(42)
    sellers = []
    for data in DEMO_SELLERS:
        seller = find_seller_by_email(data["email"]) or create_seller(password=DEMO_PASSWORD, **data)
        seed_orders(seller, 12, rng)
        sellers.append(seller)
    for client_id, secret, settings in clients:
        upsert_client(client_id, secret, **settings)
    return sellers
