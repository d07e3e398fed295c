"""QSM's main menu: disclosure navigation (<details>/<summary>, no JavaScript needed), closed on every page
load, the current page's link marked with aria-current; tables in a box of their own that scrolls."""

import re

import pytest

QX_PATH = "/listing/option-management/qx-smart-inventory"


@pytest.fixture
def logged_in(client, seller, auth):
    auth.login()
    return client


def menu_of(html):
    return re.search(r'<nav aria-label="Main menu".*?</nav>', html, re.S).group(0)


def test_each_group_is_a_closed_disclosure_of_one_name(logged_in):
    menu = menu_of(logged_in.get("/").get_data(as_text=True))
    groups = re.findall(r"<details([^>]*)>\s*<summary>([^<]+)</summary>", menu)
    assert [summary for _, summary in groups] == ["Listing &amp; Pricing", "My account"]
    for attributes, _ in groups:
        assert 'name="main-menu"' in attributes  # opening one closes the other
        assert " open" not in attributes
    listing = menu[menu.index("Listing &amp; Pricing") : menu.index("My account")]
    assert "Option Management" in listing and f'href="{QX_PATH}"' in listing


@pytest.mark.parametrize(
    "path, current",
    [
        ("/", "/"),
        (QX_PATH, QX_PATH),
        ("/account/activity", "/account/activity"),
        ("/developer/apps", "/developer/apps"),
        ("/developer/apps/new", None),  # within My apps, not the list itself
    ],
)
def test_the_current_page_is_marked(logged_in, path, current):
    menu = menu_of(logged_in.get(path).get_data(as_text=True))
    marked = re.findall(r'<a href="([^"]+)" aria-current="page">', menu)
    assert marked == ([current] if current else [])


@pytest.mark.parametrize(
    "path, current_group",
    [
        ("/", None),
        (QX_PATH, "Listing &amp; Pricing"),
        ("/developer/apps/new", "My account"),
        ("/account/password", "My account"),
    ],
)
def test_the_group_of_the_current_page_is_marked_and_closed(logged_in, path, current_group):
    menu = menu_of(logged_in.get(path).get_data(as_text=True))
    groups = dict(
        (summary, attributes)
        for attributes, summary in re.findall(r"<details([^>]*)>\s*<summary>([^<]+)</summary>", menu)
    )
    for summary, attributes in groups.items():
        assert attributes == (
            ' class="menu-group current" name="main-menu"'
            if summary == current_group
            else ' class="menu-group" name="main-menu"'
        )


def test_an_error_page_has_the_menu_with_nothing_marked(logged_in):
    response = logged_in.get("/no-such-page")
    assert response.status_code == 404
    assert "aria-current" not in menu_of(response.get_data(as_text=True))


def test_a_table_scrolls_in_a_named_box_that_the_keyboard_reaches(logged_in):
    html = logged_in.get("/account/activity").get_data(as_text=True)
    box = re.search(r'<div class="table-scroll"([^>]*)>\s*<table', html)
    assert box, "the table is not in its scrolling box"
    assert 'role="region"' in box.group(1) and 'aria-label="Activity"' in box.group(1)
    assert 'tabindex="0"' in box.group(1)
