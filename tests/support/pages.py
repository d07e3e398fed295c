"""Reading what a site answered: a page's CSRF token and forms, a redirect's query."""
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit


def csrf_token(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def flash_messages(html):
    """The flashed messages a page shows, as their text (the sites render each as p.flash)."""
    return [unescape(text) for text in re.findall(r'<p class="flash [^"]*"[^>]*>(.*?)</p>', html, re.S)]


def query_of(location):
    """The query parameters of a URL, each given once."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class FormParser(HTMLParser):
    """The forms of a page: action, method, the values of its inputs, and its submit buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "action": attrs.get("action", ""),
                    "method": attrs.get("method", "get").lower(),
                    "fields": {},
                    "buttons": [],
                }
            )
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type", "text") not in ("submit", "button"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag in ("select", "textarea") and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = ""  # a field of the form; its value is the caller's to give
        elif tag == "button" or (tag == "input" and attrs.get("type") == "submit"):
            self.forms[-1]["buttons"].append((attrs.get("name"), attrs.get("value", "")))


def parse_forms(html):
    parser = FormParser()
    parser.feed(html)
    return parser.forms
