"""SmartShip in Japanese and English: the language a seller gets, the switcher, the catalogue,
and the mails, written in the language of the request that sends them."""
from email.header import decode_header, make_header

import pytest

from config import ROOT
from tests.support.pages import csrf_token
from tests.support.translations import problems

TRANSLATIONS = ROOT / "clients" / "smartship" / "translations"
JA = {"Accept-Language": "ja"}


def test_every_marked_string_has_a_japanese_translation_and_the_mo_is_compiled():
    assert problems(TRANSLATIONS, "ja") == []


@pytest.mark.parametrize(
    "accept_language, lang, heading",
    [
        (None, "en", "Log in to SmartShip"),
        ("ja", "ja", "SmartShip にログイン"),
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja", "SmartShip にログイン"),
        ("en-SG,en;q=0.9,ja;q=0.5", "en", "Log in to SmartShip"),
        ("fr", "en", "Log in to SmartShip"),
    ],
)
def test_the_login_page_follows_the_browser(smartship, accept_language, lang, heading):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    html = smartship.get("/login", headers=headers).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and f"<h1>{heading}</h1>" in html


def test_the_login_page_in_japanese(smartship):
    html = smartship.get("/login", headers=JA).get_data(as_text=True)
    assert '<label for="identifier">ログイン ID またはメールアドレス</label>' in html
    assert ">QSM でログイン</a>" in html and "パスワードをお忘れですか？" in html


def test_a_failed_login_says_why_in_japanese(smartship, make_account):
    make_account("lion-city", "seller@example.com")
    page = smartship.get("/login", headers=JA).get_data(as_text=True)
    failed = smartship.post(
        "/login",
        data={"identifier": "lion-city", "password": "wrong password", "csrf_token": csrf_token(page)},
        headers=JA,
    )
    assert failed.status_code == 400
    assert "ログイン ID またはパスワードが正しくありません。" in failed.get_data(as_text=True)


def test_the_linked_signup_page_in_japanese(signup):
    signup.client.get("/login", headers=JA)  # any page: the language comes with every request
    response = signup.callback()
    assert response.status_code == 302
    html = signup.client.get("/linked-signup", headers=JA).get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "SmartShip に登録</h1>" in html and "QSM から連携される情報" in html
    assert "（必須）SmartShip の利用規約に同意します" in html
    assert "（必須）SmartShip のプライバシーポリシーに同意します" in html
    assert "すべてに同意する" in html and ">完了</button>" in html


def test_a_refused_linked_signup_says_why_in_japanese(signup):
    page = signup.signup_page()
    refused = signup.client.post(
        "/linked-signup",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "registration_type": "new", "action": "done"},
        headers=JA,
    )
    assert refused.status_code == 400
    assert "SmartShip の利用規約、プライバシーポリシー、QSM の情報の利用に同意してください。" in refused.get_data(
        as_text=True
    )


def choose(client, language, next_url="/login", headers=None):
    page = client.get("/login", headers=headers or {}).get_data(as_text=True)
    return client.post("/language", data={"language": language, "next": next_url, "csrf_token": csrf_token(page)})


def test_every_page_has_the_switcher_with_a_label(smartship):
    html = smartship.get("/login").get_data(as_text=True)
    assert '<label for="language-choice">Language</label>' in html
    assert '<option value="ja" lang="ja">日本語</option>' in html
    assert ">Change language</button>" in html
    assert '<input type="hidden" name="next" value="/login">' in html


def test_the_switcher_remembers_the_choice_over_the_browsers(smartship):
    response = choose(smartship, "ja")
    assert response.status_code == 303 and response.location == "/login"
    cookie = response.headers["Set-Cookie"]
    assert "lang=ja" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = smartship.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ja">' in html and "<h1>SmartShip にログイン</h1>" in html
    choose(smartship, "en")
    assert '<html lang="en">' in smartship.get("/login", headers=JA).get_data(as_text=True)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", None])
def test_the_switcher_goes_back_only_to_this_site(smartship, next_url):
    assert choose(smartship, "ja", next_url=next_url).location == "/"


def test_the_switcher_needs_the_csrf_token(smartship):
    response = smartship.post("/language", data={"language": "ja", "next": "/login"})
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_error_pages_are_in_japanese(smartship):
    response = smartship.get("/no-such-page", headers=JA)
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and '<html lang="ja">' in html
    assert "ページが見つかりません" in html and "SmartShip に戻る" in html


def test_the_password_reset_mail_is_in_the_language_of_the_request(smartship, make_account, outbox):
    make_account("lion-city", "seller@example.com")
    page = smartship.get("/forgot-password", headers=JA).get_data(as_text=True)
    sent = smartship.post(
        "/forgot-password", data={"csrf_token": csrf_token(page), "identifier": "lion-city"}, headers=JA
    )
    assert sent.status_code == 302
    assert "パスワード再設定用のリンクを送信しました" in smartship.get(sent.location, headers=JA).get_data(as_text=True)
    [mail] = outbox.messages()
    assert str(make_header(decode_header(mail["Subject"]))) == "SmartShip のパスワード再設定"
    body = mail.get_payload(decode=True).decode()
    assert "SmartShip アカウント lion-city のパスワード再設定のご依頼を受け付けました。" in body
    assert outbox.last_link("seller@example.com").startswith("/reset-password/")


def test_the_same_mail_in_english_for_an_english_request(smartship, make_account, outbox):
    make_account("lion-city", "seller@example.com")
    page = smartship.get("/forgot-password").get_data(as_text=True)
    smartship.post("/forgot-password", data={"csrf_token": csrf_token(page), "identifier": "lion-city"})
    [mail] = outbox.messages()
    assert mail["Subject"] == "Reset your SmartShip password"
    assert "Someone asked to set a new password" in mail.get_payload(decode=True).decode()
