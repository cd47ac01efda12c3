"""Every request the product makes to another server goes through here, to public addresses only.

The host is resolved once; if any of its addresses is not a global one (loopback, private,
link-local such as the cloud metadata address 169.254.169.254, reserved, multicast, unspecified,
shared, or an IPv4-mapped form of those) the request is refused, unless OUTBOUND_ALLOWED_NETWORKS
lists that network on purpose (an internal receiver). The connection then goes to the very address
that was checked, so a second lookup cannot point it elsewhere, and no redirect is followed.
"""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from flask import current_app

DEFAULT_PORTS = {"http": 80, "https": 443}


class Refused(Exception):
    """The URL may not be called (not http(s), no host, or an address that is not public)."""


class Failed(Exception):
    """The other side was called and did not accept the request; `code` is its HTTP status, if any."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


def _allowed_networks() -> list:
    return [ipaddress.ip_network(network, strict=False) for network in current_app.config["OUTBOUND_ALLOWED_NETWORKS"]]


def _is_allowed(address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in _allowed_networks()):
        return True
    return address.is_global and not address.is_multicast


def _target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL, or Refused."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise Refused("Only http and https URLs with a host name can be called.")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise Refused("The URL's port is not a number from 1 to 65535.") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def public_address(url: str) -> str:
    """The one address this URL may be called at; Refused when its host resolves to any non-public one."""
    _scheme, host, port, _path = _target(url)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused(f"The host name {host} does not resolve.") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    if not addresses or not all(_is_allowed(address) for address in addresses):
        raise Refused("Webhooks and other outgoing calls go to public addresses only.")
    return str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, timeout: float) -> int:
    """POST to a public URL; the HTTP status when it is 2xx, else Failed (a redirect is not followed)."""
    scheme, host, port, path = _target(url)
    address = public_address(url)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, address, port, timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        raise Failed(f"{type(error).__name__}: {error}") from None
    finally:
        connection.close()
    if 300 <= status < 400:
        raise Failed(f"HTTP {status}: redirects are not followed; register the final URL.", status)
    if status >= 400:
        raise Failed(f"HTTP {status}", status)
    return status
