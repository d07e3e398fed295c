"""QSM in Japanese and English: the language a seller gets, the switcher, and the catalogue."""
import pytest

from config import ROOT
from tests.support.pages import csrf_token
from tests.support.translations import problems

TRANSLATIONS = ROOT / "idp" / "translations"


def test_every_marked_string_has_a_japanese_translation_and_the_mo_is_compiled():
    assert problems(TRANSLATIONS, "ja") == []


@pytest.mark.parametrize(
    "accept_language, lang, heading",
    [
        (None, "en", "Log in to QSM"),
        ("ja", "ja", "QSMにログイン"),
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja", "QSMにログイン"),
        ("en-SG,en;q=0.9,ja;q=0.5", "en", "Log in to QSM"),
        ("fr", "en", "Log in to QSM"),
    ],
)
def test_the_language_follows_the_browser(client, accept_language, lang, heading):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    html = client.get("/login", headers=headers).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and f"<h1>{heading}</h1>" in html


def choose(client, language, next_url="/login", headers=None):
    page = client.get("/login", headers=headers or {}).get_data(as_text=True)
    return client.post("/language", data={"language": language, "next": next_url, "csrf_token": csrf_token(page)})


def test_the_switcher_remembers_the_choice_over_the_browsers(client):
    response = choose(client, "ja")
    assert response.status_code == 303 and response.location == "/login"
    cookie = response.headers["Set-Cookie"]
    assert "lang=ja" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ja">' in html and "ログイン" in html
    choose(client, "en")
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "ja"}).get_data(as_text=True)


def test_every_page_has_the_switcher_with_a_label(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="language-choice">Language</label>' in html
    assert '<option value="ja" lang="ja">日本語</option>' in html
    assert ">Change language</button>" in html


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", None])
def test_the_switcher_goes_back_only_to_this_site(client, next_url):
    assert choose(client, "ja", next_url=next_url).location == "/"


def test_an_unknown_language_changes_nothing(client):
    response = choose(client, "xx")
    assert response.status_code == 303
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_the_switcher_needs_the_csrf_token(client):
    response = client.post("/language", data={"language": "ja", "next": "/login"})
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_messages_from_the_code_are_translated_too(client, seller):
    page = client.get("/login").get_data(as_text=True)
    client.post("/language", data={"language": "ja", "next": "/login", "csrf_token": csrf_token(page)})
    page = client.get("/login").get_data(as_text=True)
    failed = client.post(
        "/login", data={"email": seller.email, "password": "wrong password", "csrf_token": csrf_token(page)}
    )
    assert "メールアドレスまたはパスワードが正しくありません。" in failed.get_data(as_text=True)
    assert '<label for="email">メールアドレス</label>' in failed.get_data(as_text=True)
