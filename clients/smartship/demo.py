"""Demo accounts: a QSM seller whose email has one SmartShip account, and one whose email has two."""
from datetime import datetime

from .accounts import create_account, find_by_login_id, mark_primary
from .extensions import db

DEMO_PASSWORD = "smartship-demo-pass"

# Emails match sellers of the QSM demo data (idp/demo.py).
DEMO_ACCOUNTS = [
    {
        "login_id": "kimchi-market",
        "email": "kimchi.market@example.com",
        "created": datetime(2019, 3, 14),
        "primary": False,
    },
    {
        "login_id": "harbour-books",
        "email": "harbour.books@example.com",
        "created": datetime(2016, 8, 1),
        "primary": True,
    },
    {
        "login_id": "harbourbooks2012",
        "email": "harbour.books@example.com",
        "created": datetime(2012, 2, 20),
        "primary": False,
    },
]


def seed_demo():
    made = []
    for data in DEMO_ACCOUNTS:
        account = find_by_login_id(data["login_id"])
        if account is None:
            account = create_account(data["login_id"], data["email"], DEMO_PASSWORD, email_confirmed=True)
            account.created_at = data["created"]
            db.session.commit()
            if data["primary"]:
                mark_primary(account)
        made.append({"login_id": account.login_id, "email": account.email, "primary": account.is_primary})
    return {"accounts": made, "password": DEMO_PASSWORD}
