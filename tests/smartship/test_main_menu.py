"""SmartShip's header menu marks the page the seller is on (aria-current)."""
import re

import pytest

from tests.support.pages import csrf_token

PASSWORD = "Tr1cky-Passphrase"


@pytest.fixture
def logged_in(smartship, make_account):
    make_account("lion-city", "seller@example.com", PASSWORD)
    page = smartship.get("/login")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "identifier": "lion-city", "password": PASSWORD}
    assert smartship.post("/login", data=data).status_code == 302
    return smartship


@pytest.mark.parametrize(
    "path, current",
    [("/orders", "/orders"), ("/fulfillment", "/fulfillment"), ("/account", "/account"), ("/account/password", None)],
)
def test_the_current_page_is_marked(logged_in, path, current):
    html = logged_in.get(path).get_data(as_text=True)
    menu = re.search(r'<nav aria-label="Main menu".*?</nav>', html, re.S).group(0)
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', menu) == ([current] if current else [])
    assert len(re.findall(r"<a href=", menu)) == 3
