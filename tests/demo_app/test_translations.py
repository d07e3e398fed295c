"""Parcel Pal in Japanese and English: the catalogue, the language a seller gets (Accept-Language,
else the switcher's cookie), its pages and the messages it shows, QSM's failures included."""
import pytest
import requests
from flask_babel import refresh
from sqlalchemy.exc import OperationalError

from clients.demo_app import qsm
from config import ROOT
from tests.support.pages import csrf_token
from tests.support.translations import problems

TRANSLATIONS = ROOT / "clients" / "demo_app" / "translations"
JA = {"Accept-Language": "ja"}


def test_every_marked_string_has_a_japanese_translation_and_the_mo_is_compiled():
    assert problems(TRANSLATIONS, "ja") == []


def text(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "accept_language, lang, heading",
    [
        (None, "en", "Shipping labels for your QSM orders"),
        ("ja", "ja", "QSM の注文の配送ラベルを作成"),
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja", "QSM の注文の配送ラベルを作成"),
        ("en-SG,en;q=0.9,ja;q=0.5", "en", "Shipping labels for your QSM orders"),
        ("fr", "en", "Shipping labels for your QSM orders"),
    ],
)
def test_the_language_follows_the_browser(browser, accept_language, lang, heading):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    html = text(browser.get("/", headers=headers))
    assert f'<html lang="{lang}">' in html and f"<h1>{heading}</h1>" in html


def choose(browser, language, next_url="/"):
    page = text(browser.get("/"))
    return browser.post("/language", data={"language": language, "next": next_url, "csrf_token": csrf_token(page)})


def test_the_switcher_remembers_the_choice_over_the_browsers(browser):
    response = choose(browser, "ja", next_url="/orders")
    assert response.status_code == 303 and response.location == "/orders"
    cookie = response.headers["Set-Cookie"]
    assert "lang=ja" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = text(browser.get("/", headers={"Accept-Language": "en"}))
    assert '<html lang="ja">' in html and ">QSM でログイン</button>" in html
    choose(browser, "en")
    html = text(browser.get("/", headers=JA))
    assert '<html lang="en">' in html and ">Log in with QSM</button>" in html


def test_every_page_has_the_switcher_with_a_label(browser):
    for response in (browser.get("/"), browser.get("/nowhere")):
        html = text(response)
        assert '<form method="post" action="/language" class="language">' in html
        assert '<label for="language-choice">Language</label>' in html
        assert '<option value="ja" lang="ja">日本語</option>' in html
        assert ">Change language</button>" in html
    assert '<label for="language-choice">言語</label>' in text(browser.get("/", headers=JA))


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", None])
def test_the_switcher_goes_back_only_to_this_site(browser, next_url):
    assert choose(browser, "ja", next_url=next_url).location == "/"


def test_the_switcher_needs_the_csrf_token(browser):
    response = browser.post("/language", data={"language": "ja", "next": "/"}, headers=JA)
    assert response.status_code == 400 and "lang=" not in response.headers.get("Set-Cookie", "")
    assert "このフォームは有効期限が切れています" in text(response)


def test_the_orders_page_in_japanese(login, browser):
    login.log_in()
    html = text(browser.get("/orders", headers=JA))
    assert '<html lang="ja">' in html and "<h1>こんにちは、Tan Wei Ling さん</h1>" in html
    assert "ショップ: <strong>Lion City Gadgets</strong>" in html
    assert "<caption>最近の注文 3 件（全 3 件中）</caption>" in html and '<th scope="col">購入者</th>' in html
    assert ">ログアウト</button>" in html and "Hello" not in html


def test_names_from_qsm_are_escaped_in_the_translated_page(login, browser, fake_qsm):
    fake_qsm.claims["name"] = "<b>Tan</b>"
    login.log_in()
    html = text(browser.get("/orders", headers=JA))
    assert "こんにちは、&lt;b&gt;Tan&lt;/b&gt; さん" in html and "<b>Tan</b>" not in html


def test_no_orders_yet_in_japanese(login, browser, fake_qsm):
    fake_qsm.orders = []
    login.log_in()
    assert "QSM にはまだ注文がありません。" in text(browser.get("/orders", headers=JA))


@pytest.mark.parametrize(
    "failure, message",
    [
        ("down", "現在 QSM に接続できません。"),
        (500, "QSM から注文一覧を取得できませんでした（応答: 500）。"),
    ],
)
def test_qsm_failing_on_the_orders_call_in_japanese(login, browser, fake_qsm, failure, message):
    login.log_in()
    if failure == "down":
        fake_qsm.down = True
    else:
        fake_qsm.orders_status = failure
    response = browser.get("/orders", headers=JA)
    assert response.status_code == 502 and message in text(response) and ">もう一度試す</a>" in text(response)


def test_messages_of_the_session_ending_in_japanese(login, browser, fake_qsm):
    assert browser.get("/orders", headers=JA).location == "/"
    assert "注文を表示するには、QSM でログインしてください。" in text(browser.get("/", headers=JA))
    login.log_in()
    fake_qsm.revoke_all()
    browser.get("/orders", headers=JA)
    assert "QSM アカウントへのアクセスが取り消されました。" in text(browser.get("/", headers=JA))


def test_the_logged_out_message_in_japanese(login, browser):
    login.log_in()
    page = text(browser.get("/orders"))
    browser.post("/logout", data={"csrf_token": csrf_token(page)}, headers=JA)
    assert "Parcel Pal からログアウトしました。" in text(browser.get("/", headers=JA))


PUSH_FAILURES = {
    "unreachable": (requests.ConnectionError("refused"), "現在 QSM に接続できません。"),
    "refused": ((400, {"error": "invalid_request"}), "ログインリクエストを拒否しました（invalid_request）"),
    "server-error": ((500, "<html>oops</html>"), "QSM でログインを開始できませんでした（応答: 500）。"),
    "unreadable": ((201, {"expires_in": 60}), "QSM から Parcel Pal が読み取れない応答が返されました。"),
}


@pytest.mark.parametrize("case", list(PUSH_FAILURES))
def test_a_failed_pushed_authorization_request_in_japanese(browser, fake_qsm, case):
    fake_qsm.push_failure, message = PUSH_FAILURES[case]
    home = text(browser.get("/", headers=JA))
    html = text(browser.post("/login", data={"csrf_token": csrf_token(home)}, headers=JA))
    assert '<html lang="ja">' in html and "<h1>QSM でのログインに失敗しました</h1>" in html and message in html
    assert ">もう一度試す</button>" in html and ">Parcel Pal に戻る</a>" in html


def test_a_qsm_without_par_in_japanese(browser, fake_qsm):
    fake_qsm.advertise_par = False
    home = text(browser.get("/"))
    html = text(browser.post("/login", data={"csrf_token": csrf_token(home)}, headers=JA))
    assert "QSM が Parcel Pal に必要なプッシュ型認可リクエスト（PAR）を受け付けていません。" in html


@pytest.mark.parametrize(
    "query, message",
    [
        ({"error": "access_denied"}, "Parcel Pal による QSM アカウントへのアクセスが許可されなかったため"),
        ({"error": "server_error"}, "QSM がリクエストを拒否しました（server_error）。"),
        ({"state": "not-the-state"}, "このログインリンクは有効期限が切れているか、すでに使用されています。"),
    ],
)
def test_a_failed_callback_in_japanese(login, browser, query, message):
    params = login.start()
    query = {"code": None, **query} if "error" in query else query
    args = {"code": "code-1", "state": params["state"], "iss": "http://qsm.test", **query}
    response = browser.get("/callback", query_string={k: v for k, v in args.items() if v is not None}, headers=JA)
    assert response.status_code == 400 and message in text(response)


def test_the_error_pages_in_japanese(browser):
    html = text(browser.get("/nowhere", headers=JA))
    assert '<html lang="ja">' in html and "<h1>404 ページが見つかりません</h1>" in html
    assert "このページは存在しません。" in html and ">Parcel Pal に戻る</a>" in html
    english = text(browser.get("/nowhere"))
    assert "<h1>404 Not Found</h1>" in english and "This page does not exist." in english


def test_the_unavailable_page_in_japanese(browser, monkeypatch):
    from clients.demo_app.routes import site

    def broken():
        raise OperationalError("SELECT 1", {}, Exception("database is down"))

    monkeypatch.setattr(site, "current_login", broken)
    response = browser.get("/", headers=JA)
    assert response.status_code == 503 and '<html lang="ja">' in text(response)
    assert "Parcel Pal は一時的に利用できません" in text(response)


def relying_party_failures():
    """Messages relying_party (the shared relying-party core) and Parcel Pal raise: (how to raise
    one, the English message)."""
    from relying_party import authorization_response, errors, tokens

    registration, SITE = qsm.registration, qsm.SITE_NAME

    def raised(call):
        try:
            call()
        except qsm.QSMError as error:
            return qsm.message(error)
        raise AssertionError("nothing was raised")

    def refused_issuer():
        authorization_response.check_response_issuer({"iss": "http://elsewhere.test"}, "http://qsm.test", {})

    return [
        (lambda: str(errors.UNREACHABLE), "QSM cannot be reached right now. Please try again in a moment."),
        (lambda: raised(refused_issuer), "The response came from an unexpected issuer."),
        (
            lambda: raised(lambda: authorization_response.check_error_response({"error": "access_denied"}, SITE)),
            "You did not allow Parcel Pal to access your QSM account. Access was not granted.",
        ),
        (
            lambda: raised(lambda: authorization_response.check_error_response({"error": "x"}, SITE)),
            "QSM refused the request (x).",
        ),
        (lambda: tokens.unreadable(registration()), "QSM sent an answer Parcel Pal could not read."),
        (lambda: qsm.message(qsm.REVOKED), "Access to your QSM account was revoked. Log in again to reconnect."),
        (
            lambda: str(qsm.ORDERS_FAILED).replace("{status}", "503"),
            "QSM could not list your orders right now (it answered 503). Please try again.",
        ),
    ]


@pytest.mark.parametrize("index", range(len(relying_party_failures())))
def test_qsm_messages_are_english_and_japanese(demo_app, index):
    with demo_app.test_request_context("/"):
        refresh()  # the locale is kept on the app context, which the demo_app fixture holds open
        produce, english = relying_party_failures()[index]
        assert produce() == english
    with demo_app.test_request_context("/", headers=JA):
        refresh()
        translated = produce()
        assert translated != english and any("\u3040" <= c <= "\u30ff" for c in translated)
