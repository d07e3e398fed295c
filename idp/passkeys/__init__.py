"""Passkeys (WebAuthn) for seller login: ceremonies.py holds the rules, routes.py the pages."""
