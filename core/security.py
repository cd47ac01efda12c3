"""Security headers on every response, and the trusted proxies in front of the app."""

from functools import cache
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix


@cache
def content_security_policy(identity_provider: str | None = None) -> str:
    """The policy; forms may also lead to the identity provider's origin (signing out there is the redirect
    that answers the sign-out form, and browsers hold redirects after a form to form-action)."""
    form_action = "form-action 'self'" + (f" {identity_provider}" if identity_provider else "")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            form_action,
            "frame-ancestors 'none'",
        ]
    )


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


HSTS = "max-age=31536000; includeSubDomains"


def register(app: Flask) -> None:
    """Add the headers to every response, errors included; believe X-Forwarded-* of trusted proxies only."""
    headers = dict(HEADERS)
    if app.config["BASE_URL"].startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # The client is the address the outermost trusted proxy saw; anything a client adds is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    @app.after_request
    def add_security_headers(response):
        policy = content_security_policy(_origin(current_app.config.get("OIDC_ISSUER")))
        response.headers.setdefault("Content-Security-Policy", policy)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
