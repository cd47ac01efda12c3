"""Security headers on every response, and the trusted proxies in front of the app."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
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
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
