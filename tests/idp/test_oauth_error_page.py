"""QSM's sign-in error page leads with plain words for every OAuth error code, in the seller's
language; the code stays below as a detail for the application's developer."""
import re

import pytest
from authlib.oauth2 import OAuth2Error
from flask_babel import refresh

from idp.oauth.routes import ERROR_EXPLANATIONS, UNKNOWN_ERROR, render_error_page

JA = {"Accept-Language": "ja"}
CODES = sorted(ERROR_EXPLANATIONS) + ["some_new_code"]


def rendered(app, code, headers=None):
    with app.test_request_context("/oauth/authorize", headers=headers or {}):
        refresh()
        html, status = render_error_page(OAuth2Error(description="detail for the developer", error=code))
        expected = str(ERROR_EXPLANATIONS.get(code, UNKNOWN_ERROR))
    return html, status, expected


def has_kana_or_kanji(text):
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)


@pytest.mark.parametrize("code", CODES)
def test_every_code_is_explained_in_words_before_the_code(app, code):
    html, status, words = rendered(app, code)
    assert status == 400
    explanation = re.search(r'<p data-testid="oauth-error-explanation">([^<]+)</p>', html).group(1)
    assert explanation == words.replace("'", "&#39;") and code not in explanation
    assert html.index(explanation) < html.index(f"<strong>{code}</strong>")
    assert "detail for the developer" in html


@pytest.mark.parametrize("code", CODES)
def test_every_code_is_explained_in_japanese(app, code):
    english, _, english_words = rendered(app, code)
    html, status, words = rendered(app, code, JA)
    assert status == 400 and '<html lang="ja">' in html
    assert words != english_words and has_kana_or_kanji(words)
    assert f"<strong>{code}</strong>" in html
