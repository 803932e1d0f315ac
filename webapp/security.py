"""Response headers that keep letter content inert in the reader's browser."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

# Everything the pages need (CSS) is served from this origin; no inline script or style,
# so even a letter that slipped past escaping could not run code.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
}


def safe_url(url) -> str:
    """`url` if it is an absolute http(s) URL, else "" (javascript:, data: etc. never become links)."""
    if not isinstance(url, str):
        return ""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    return ""


def _add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Set the security headers on every response, error pages included."""
    app.after_request(_add_headers)
    app.jinja_env.filters["safe_url"] = safe_url
