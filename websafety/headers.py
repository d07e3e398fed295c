from flask import request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# Every response carries these; HSTS only over HTTPS.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(is_secure):
    """The headers as a list, for answers made outside Flask (plain WSGI)."""
    return [*SECURITY_HEADERS, HSTS] if is_secure else list(SECURITY_HEADERS)


def add_security_headers(response):
    headers = response.headers
    for name, value in security_headers(request.is_secure):
        headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # Pages carry CSRF tokens and personal data: never cache them.
        headers.setdefault("Cache-Control", "no-store")
    return response
