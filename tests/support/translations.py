"""Checks of a site's gettext catalogues (siteops/i18n.py): every string its code and templates
mark is in each language's .po with a translation, and the committed .mo says the same."""
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def marked_strings(translations):
    """The msgids the site's babel.cfg finds in its code and templates."""
    with open(translations / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, options_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(translations, language):
    with open(translations / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


def compiled(translations, language):
    with open(translations / language / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        return read_mo(mo)


def problems(translations, language):
    """What is missing or wrong in ``language``'s catalogue, as sentences (empty: all good)."""
    po = catalogue(translations, language)
    entries = {message.id if isinstance(message.id, str) else message.id[0]: message for message in po if message.id}
    found = []
    for msgid in sorted(marked_strings(translations) - set(entries)):
        found.append(f"not in the {language} catalogue: {msgid!r} (run: flask translations update)")
    for msgid, message in sorted(entries.items()):
        if message.fuzzy:
            found.append(f"fuzzy in {language}: {msgid!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"no {language} translation: {msgid!r}")
    # A plural entry's forms: a tuple from the .po, a list from the .mo.
    mo = {
        m.id if isinstance(m.id, str) else m.id[0]: m.string if isinstance(m.string, str) else tuple(m.string)
        for m in compiled(translations, language)
        if m.id
    }
    po_strings = {msgid: m.string for msgid, m in entries.items() if not m.fuzzy and m.string}
    if mo != po_strings:
        found.append(f"the {language} .mo does not match its .po (run: flask translations compile)")
    return found
