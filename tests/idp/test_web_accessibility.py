"""Every form field has a bound <label>, every button and button-like link a clear name."""
from html.parser import HTMLParser

import pytest

from idp.extensions import db
from idp.models import SmartInventoryLink

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class FormAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = []  # (id, description)
        self.label_targets = set()
        self.label_depth = 0
        self.buttons = []  # [attrs, text]
        self.open_button = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_targets.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type", "text") not in UNLABELLED_TYPES:
            self.fields.append((attrs.get("id"), attrs, self.label_depth > 0))
        elif tag == "button" or (tag == "a" and "button" in attrs.get("class", "").split()):
            self.open_button = [attrs, ""]
            self.buttons.append(self.open_button)

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1
        elif tag in ("button", "a"):
            self.open_button = None

    def handle_data(self, data):
        if self.open_button is not None:
            self.open_button[1] += data

    def problems(self):
        found = []
        for field_id, attrs, wrapped in self.fields:
            if not wrapped and (not field_id or field_id not in self.label_targets) and not attrs.get("aria-label"):
                found.append(f"field without a label: {attrs}")
        for attrs, text in self.buttons:
            if not text.strip() and not attrs.get("aria-label"):
                found.append(f"button without a name: {attrs}")
        return found


def audit(html):
    parser = FormAudit()
    parser.feed(html)
    return parser


def test_the_audit_catches_what_it_should():
    broken = audit(
        '<form><input name="q" id="q"><button type="submit"></button><label>Ok <input name="w"></label></form>'
    )
    assert len(broken.problems()) == 2


@pytest.mark.parametrize("path", ["/login", "/no-such-page"])
def test_public_pages(client, path):
    parser = audit(client.get(path).get_data(as_text=True))
    assert parser.problems() == []


def test_login_page_has_fields_and_a_button(client):
    parser = audit(client.get("/login").get_data(as_text=True))
    assert {f[0] for f in parser.fields} == {"email", "password", "language-choice"}
    assert [text.strip() for _, text in parser.buttons] == ["Log in", "Log in with a passkey", "Change language"]


@pytest.mark.parametrize("linked", [False, True])
@pytest.mark.parametrize(
    "path, buttons",
    [
        ("/", {"Log out"}),
        ("/account/password", {"Log out", "Change password"}),
        ("/listing/option-management/qx-smart-inventory", {"Log out", "Join SmartShip"}),
        ("/account/passkeys", {"Log out", "Continue"}),
    ],
)
def test_seller_pages(client, seller, auth, make_client, path, buttons, linked):
    if linked:
        link = SmartInventoryLink(seller_pk=seller.id, client_pk=make_client().id, smartship_login_id="x@example.com")
        db.session.add(link)
        db.session.commit()
        if "smart-inventory" in path:
            buttons = (buttons - {"Join SmartShip"}) | {"Go to SmartShip"}
    auth.login()
    parser = audit(client.get(path).get_data(as_text=True))
    assert parser.problems() == []
    assert {text.strip() for _, text in parser.buttons} == buttons | {"Change language"}


def test_password_hint_is_tied_to_the_new_password_field(client, seller, auth):
    auth.login()
    parser = audit(client.get("/account/password").get_data(as_text=True))
    new_password = next(attrs for field_id, attrs, _ in parser.fields if field_id == "new_password")
    assert new_password["aria-describedby"] == "password-hint"
