"""A QSM seller in tests: the test password, the details a seller is made with, and Auth, which
logs a seller in through QSM's real login form."""
from .pages import csrf_token

PASSWORD = "correct horse battery"


def seller_details(shop_name, contact_name, /, **details):
    """``create_seller``'s details for a test seller: the names given, the rest a Singapore shop."""
    details.setdefault("shop_name", shop_name)
    details.setdefault("contact_name", contact_name)
    details.setdefault("phone", "+65 6000 0000")
    details.setdefault("street_address", "1 Test Street")
    details.setdefault("locality", "Singapore")
    details.setdefault("postal_code", "000001")
    details.setdefault("country", "SG")
    return details


class Auth:
    """Logs a seller in through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, email="seller@example.com", password=PASSWORD, next_url=None):
        page = self.client.get("/login" + (f"?next={next_url}" if next_url else ""))
        data = {"email": email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))}
        if next_url:
            data["next"] = next_url
        return self.client.post("/login", data=data)
