"""A seller's steps over real HTTP (``requests``) against live sites: logging in at QSM through
its login form, and the Done step of SmartShip's linked sign-up for a new account."""
from .pages import parse_forms


def qsm_login_form(http, base_url, timeout):
    """QSM's login form, fetched with the session ``http`` (its CSRF token goes with the session)."""
    page = http.get(base_url + "/login", timeout=timeout)
    assert page.status_code == 200, page.text[:300]
    return next(f for f in parse_forms(page.text) if "password" in f["fields"])


def submit_qsm_login(http, base_url, email, password, timeout, form=None, **request_options):
    """Log in at QSM through its form (fetched first unless given); the response to the POST."""
    form = form or qsm_login_form(http, base_url, timeout)
    data = {**form["fields"], "email": email, "password": password}
    return http.post(base_url + "/login", data=data, timeout=timeout, **request_options)


def new_account_signup_data(html):
    """SmartShip's linked sign-up page's form filled in for Done: a new account, every
    agreement ticked."""
    form = next(f for f in parse_forms(html) if "registration_type" in f["fields"] or "agree_terms" in f["fields"])
    data = {k: v for k, v in form["fields"].items() if not k.startswith("agree_") and k != "existing_account"}
    data.update(registration_type="new", action="done", agree_terms="y", agree_privacy="y", agree_qsm_data="y")
    return data
