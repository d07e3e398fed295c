"""siteops.forms.Form: WTForms' own messages in the page's language, each catalogue read once."""
import pytest
from flask_babel import refresh
from wtforms import StringField
from wtforms.validators import DataRequired

from siteops.forms import Form, wtforms_translations


class Probe(Form):
    name = StringField(validators=[DataRequired()])


@pytest.mark.parametrize("language, message", [("ja", "このフィールドは必須です。"), ("en", "This field is required.")])
def test_wtforms_messages_are_in_the_page_language(app, language, message):
    with app.test_request_context("/", method="POST", data={}, headers={"Accept-Language": language}):
        form = Probe(meta={"csrf": False})
        assert not form.validate()
        assert form.name.errors == [message]


def test_each_language_is_read_from_disk_once(app):
    wtforms_translations.cache_clear()
    for _ in range(3):
        for language in ("ja", "en"):
            with app.test_request_context("/", method="POST", data={}, headers={"Accept-Language": language}):
                refresh()  # the tests' app context outlives each request: forget its language
                Probe(meta={"csrf": False}).validate()
    assert wtforms_translations.cache_info().misses == 2
