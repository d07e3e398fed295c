"""What the suites share, imported by conftests and tests alike (never from a conftest):
apps.py (a site's app for one test), database.py (empty tables), pages.py (CSRF tokens, forms,
redirect queries), oauth.py (PKCE, the authorization request, the code exchange, Flow), qsm.py
(a test seller, Auth: the login form), relying_party.py and fake_qsm.py (a client site against a
fake QSM), live_server.py and live_flows.py (live sites over real HTTP), mail.py (sent mail),
translations.py, statements.py, webauthn.py."""
