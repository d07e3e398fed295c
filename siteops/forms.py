"""The base of every site's forms: Flask-WTF's, with WTForms' own messages ("This field is
required."...) in the page's language.

Flask-WTF reads WTForms' catalogue from disk again for every request that uses a form (it keeps
it on the request only): a tenth of a login's CPU. The catalogue never changes while the site
runs, so each language's is loaded once per process here.
"""
import functools

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@functools.cache
def wtforms_translations(language):
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return wtforms_translations(str(get_locale()))
