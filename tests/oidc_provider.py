"""A real OpenID Connect provider for the sign-in tests, on plain HTTP on 127.0.0.1.

`OidcProvider` runs oidc-provider, the certified Node implementation (tests/support/oidc/provider.mjs, installed
from package-lock.json by `make browser` or `npm ci`), with one confidential client, RS256 signing keys made
here (their private JWKs are exposed, so a test can sign tokens of its own), and accounts whose claims the
ID token carries. Signing in goes through the provider's own login and consent pages: type the account id as
login name, any password. `sign_in_over_http` does that with `requests`; a browser can do the same.

The `oidc_provider` fixture starts one provider per pytest(-xdist) worker, on a port of its own, with the
app's callback and post-logout URLs on http://localhost registered (the Flask test client's base). A test
using a live server registers its own base first: `oidc_provider.allow_app(live_server.url)`.

    def test_sign_in(oidc_provider, client):
        response = client.get("/login/oidc")               # the app redirects to the provider
        callback = oidc_provider.sign_in_over_http(response.location, "alice")
        client.get(callback)                               # the app exchanges the code

restart() changes the provider (new first signing key, other accounts or clients) on the same issuer;
reset() goes back to the configuration of the fixture. Both forget the provider's sessions and codes.
"""

import base64
import copy
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

REPO_ROOT = Path(__file__).resolve().parent.parent
PROVIDER_SCRIPT = REPO_ROOT / "tests" / "support" / "oidc" / "provider.mjs"
PROVIDER_PACKAGE = REPO_ROOT / "node_modules" / "oidc-provider" / "package.json"

CALLBACK_PATH = "/login/oidc/callback"  # where the app receives the authorization response
POST_LOGOUT_PATH = "/login"  # where the provider sends the browser after RP-initiated logout
TEST_CLIENT_BASE = "http://localhost"  # the Flask test client's base URL

STARTUP_TIMEOUT = 20.0  # seconds for node to load oidc-provider and listen (slow on a busy machine)
HTTP_TIMEOUT = 10.0
MAX_SIGN_IN_STEPS = 12  # redirects and forms between the authorization URL and the callback

DEFAULT_ACCOUNTS = {
    "alice": {
        "sub": "alice",
        "email": "alice@example.org",
        "email_verified": True,
        "name": "Alice Archer",
        "given_name": "Alice",
        "family_name": "Archer",
        "department": "Research",
        "groups": ["staff"],
    },
    "bob": {
        "sub": "bob",
        "email": "bob@example.org",
        "email_verified": True,
        "name": "Bob Baker",
        "given_name": "Bob",
        "family_name": "Baker",
        "department": "Operations",
        "groups": ["staff", "moderators"],
    },
    "carol": {
        "sub": "carol",
        "email": "carol@example.org",
        "email_verified": False,
        "name": "Carol Cooper",
        "given_name": "Carol",
        "family_name": "Cooper",
        "department": "Sales",
        "groups": [],
    },
}


class OidcProviderError(RuntimeError):
    """The provider did not start, or a sign-in or sign-out over HTTP did not get where it should."""


# --- keys and tokens -------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(number: int) -> str:
    return _b64url(number.to_bytes((number.bit_length() + 7) // 8 or 1, "big"))


def _uint(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def generate_signing_key(kid: str | None = None) -> dict:
    """A new 2048-bit RSA key as a private JWK for RS256 (the provider's keys, or a foreign one for a test)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = key.private_numbers(), key.private_numbers().public_numbers
    return {
        "kty": "RSA",
        "kid": kid or f"test-{secrets.token_hex(6)}",
        "alg": "RS256",
        "use": "sig",
        "n": _b64url_uint(public.n),
        "e": _b64url_uint(public.e),
        "d": _b64url_uint(private.d),
        "p": _b64url_uint(private.p),
        "q": _b64url_uint(private.q),
        "dp": _b64url_uint(private.dmp1),
        "dq": _b64url_uint(private.dmq1),
        "qi": _b64url_uint(private.iqmp),
    }


def public_jwk(private_jwk: dict) -> dict:
    """The public half of a private RSA JWK, as a JWKS publishes it."""
    return {name: private_jwk[name] for name in ("kty", "kid", "alg", "use", "n", "e") if name in private_jwk}


def _rsa_private_key(jwk: dict) -> rsa.RSAPrivateKey:
    public = rsa.RSAPublicNumbers(_uint(jwk["e"]), _uint(jwk["n"]))
    numbers = rsa.RSAPrivateNumbers(
        p=_uint(jwk["p"]),
        q=_uint(jwk["q"]),
        d=_uint(jwk["d"]),
        dmp1=_uint(jwk["dp"]),
        dmq1=_uint(jwk["dq"]),
        iqmp=_uint(jwk["qi"]),
        public_numbers=public,
    )
    return numbers.private_key()


def sign_jwt(claims: dict, private_jwk: dict, header: dict | None = None) -> str:
    """A compact RS256 JWS of `claims` signed with `private_jwk` (its kid in the header, unless `header` says)."""
    full_header = {"alg": "RS256", "typ": "JWT", "kid": private_jwk["kid"], **(header or {})}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (full_header, claims)
    ).encode("ascii")
    signature = _rsa_private_key(private_jwk).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode('ascii')}.{_b64url(signature)}"


# --- the provider's pages --------------------------------------------------------------------------------


@dataclass
class Form:
    """One HTML form: where it posts, and the values its named fields (and its `logout` button) would send."""

    action: str
    form_id: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)


class _PageParser(HTMLParser):
    """The forms of a page (fields may sit outside a form and name it with form="id") and its visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.text: list[str] = []
        self._open: Form | None = None
        self._orphans: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._open = Form(action=attributes.get("action", ""), form_id=attributes.get("id"))
            self.forms.append(self._open)
        elif tag in ("input", "button") and attributes.get("name"):
            owner = attributes.get("form")
            if owner is not None and (self._open is None or self._open.form_id != owner):
                self._orphans.append((tag, attributes))
            elif self._open is not None:
                _add_field(self._open, tag, attributes)

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())

    def close(self):
        super().close()
        for tag, attributes in self._orphans:
            for form in self.forms:
                if form.form_id == attributes["form"]:
                    _add_field(form, tag, attributes)


def _add_field(form: Form, tag: str, attributes: dict) -> None:
    if tag == "button" or attributes.get("type") == "submit":
        form.buttons.setdefault(attributes["name"], attributes.get("value", ""))
    else:
        form.fields[attributes["name"]] = attributes.get("value", "")


def _parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


def _single_form(response: requests.Response, what: str) -> Form:
    """The page's only form, or an error that shows what the provider said instead."""
    page = _parse_page(response.text)
    if len(page.forms) != 1:
        said = " ".join(page.text)[:500]
        raise OidcProviderError(f"{what}: expected a form at {response.url} (HTTP {response.status_code}): {said}")
    return page.forms[0]


# --- the provider process --------------------------------------------------------------------------------


def _require_node() -> str:
    """The node executable, or a test failure that says how to install what is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("The OpenID provider needs Node.js: run `make browser` (it installs npm and node).", pytrace=False)
    if not PROVIDER_PACKAGE.exists():
        pytest.fail(
            "The OpenID provider needs node_modules/oidc-provider: run `make browser` or `npm ci`.", pytrace=False
        )
    return node


class _ProviderProcess:
    """One run of provider.mjs: started with a configuration file, READY awaited, output kept for errors."""

    def __init__(self, node: str, config: dict, port: int):
        self.log: deque[str] = deque(maxlen=200)
        self.issuer: str | None = None
        self._ready = threading.Event()
        descriptor, config_path = tempfile.mkstemp(prefix="oidc-provider-", suffix=".json")
        with os.fdopen(descriptor, "w") as config_file:
            json.dump(config, config_file)
        try:
            self._process = subprocess.Popen(
                [node, str(PROVIDER_SCRIPT), config_path, str(port)],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,  # closed when this process dies: the provider then exits too
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            self._readers = [
                threading.Thread(target=self._read, args=(self._process.stdout, True), daemon=True),
                threading.Thread(target=self._read, args=(self._process.stderr, False), daemon=True),
            ]
            for reader in self._readers:
                reader.start()
            self._await_ready()
        finally:
            os.unlink(config_path)  # read before the server listens; it holds private keys

    def _read(self, stream, is_stdout: bool) -> None:
        for line in stream:
            line = line.rstrip("\n")
            self.log.append(line)
            if is_stdout and line.startswith("READY ") and not self._ready.is_set():
                self.issuer = line.split(" ", 1)[1].strip()
                self._ready.set()

    def _await_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._ready.wait(0.05):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise OidcProviderError("The OpenID provider did not start:\n" + "\n".join(self.log))

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers; the port is free when this returns."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process.stdin.close()
        for reader in self._readers:
            reader.join(timeout=2)


class OidcProvider:
    """A real OpenID Connect provider on http://127.0.0.1:<port> (see the module docstring)."""

    def __init__(
        self,
        *,
        redirect_uris: list[str] | tuple[str, ...] = (),
        post_logout_redirect_uris: list[str] | tuple[str, ...] = (),
        accounts: dict[str, dict] | None = None,
        signing_keys: list[dict] | None = None,
        clients: list[dict] | None = None,
        token_endpoint_auth_method: str = "client_secret_basic",
    ):
        """Configure the provider (start() runs it).

        `clients` are client metadata as oidc-provider takes them; when absent there is one confidential client,
        `test-client`, with a random secret, the given redirect URIs and `token_endpoint_auth_method`
        (client_secret_basic, Authlib's default, or client_secret_post). The first client is `.client_id`.
        """
        default_client = {
            "client_id": "test-client",
            "client_secret": secrets.token_urlsafe(24),
            "redirect_uris": list(redirect_uris),
            "post_logout_redirect_uris": list(post_logout_redirect_uris),
            "token_endpoint_auth_method": token_endpoint_auth_method,
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        }
        self._baseline = {
            "clients": copy.deepcopy(clients) if clients else [default_client],
            "signing_keys": copy.deepcopy(signing_keys) if signing_keys else [generate_signing_key()],
            "accounts": _with_subjects(accounts if accounts is not None else DEFAULT_ACCOUNTS),
        }
        self._config = copy.deepcopy(self._baseline)
        self._process: _ProviderProcess | None = None
        self._last_log: list[str] = []
        self._port = 0  # 0 until the first start: node takes a free port, later starts keep it

    # configuration

    @property
    def issuer(self) -> str:
        """http://127.0.0.1:<port>, the same across restarts."""
        if self._process is None or self._process.issuer is None:
            raise OidcProviderError("The OpenID provider is not running: start() it first.")
        return self._process.issuer

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def client(self) -> dict:
        """The first client's metadata."""
        return self._config["clients"][0]

    @property
    def client_id(self) -> str:
        return self.client["client_id"]

    @property
    def client_secret(self) -> str:
        return self.client["client_secret"]

    @property
    def accounts(self) -> dict[str, dict]:
        """Account id (the login name) -> the claims the provider issues for it."""
        return self._config["accounts"]

    @property
    def private_jwks(self) -> list[dict]:
        """The signing keys as private JWKs; the first one signs, all of them are in the JWKS."""
        return self._config["signing_keys"]

    @property
    def signing_key(self) -> dict:
        return self.private_jwks[0]

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def log(self) -> list[str]:
        """The recent output of the provider (running or last run), oldest first; its errors go to stderr."""
        return list(self._process.log) if self._process else self._last_log

    def add_redirect_uri(self, uri: str) -> None:
        """Register a callback URL with the first client (restarting the provider if it runs)."""
        self._register("redirect_uris", uri)

    def add_post_logout_redirect_uri(self, uri: str) -> None:
        """Register where RP-initiated logout may send the browser back to (restarting it if it runs)."""
        self._register("post_logout_redirect_uris", uri)

    def allow_app(self, base_url: str) -> None:
        """Register the app at `base_url`: its callback and its post-logout page."""
        base = base_url.rstrip("/")
        self.add_redirect_uri(base + CALLBACK_PATH)
        self.add_post_logout_redirect_uri(base + POST_LOGOUT_PATH)

    def _register(self, kind: str, uri: str) -> None:
        """Add `uri` to the first client, now and in what reset() returns to; restart only when it is new."""
        if uri in self._config["clients"][0].setdefault(kind, []):
            return
        for config in (self._baseline, self._config):
            config["clients"][0].setdefault(kind, []).append(uri)
        if self.running:
            self.restart()

    # the process

    def start(self) -> "OidcProvider":
        """Run the provider and wait until it answers; fails the test if node or oidc-provider is missing."""
        if self._process is None:
            self._process = _ProviderProcess(_require_node(), self._config, self._port)
            self._port = int(self._process.issuer.rsplit(":", 1)[1])
        return self

    def stop(self) -> None:
        """Take the provider down; its port is kept for the next start()."""
        if self._process is not None:
            self._process.stop()
            self._last_log = list(self._process.log)
            self._process = None

    def restart(
        self, signing_keys: list[dict] | None = None, accounts: dict | None = None, clients: list[dict] | None = None
    ) -> "OidcProvider":
        """Start again on the same issuer, with whatever is given replacing the current configuration.

        `signing_keys=[generate_signing_key(), *provider.private_jwks]` rotates the key: the new one signs, the
        old ones stay in the JWKS. Sessions, authorization codes and tokens of the previous run are forgotten.
        """
        replacements = {"signing_keys": signing_keys, "accounts": accounts, "clients": clients}
        for name, value in replacements.items():
            if value is not None:
                self._config[name] = _with_subjects(value) if name == "accounts" else copy.deepcopy(value)
        self.stop()
        return self.start()

    def reset(self) -> None:
        """Go back to the configuration the provider was made with (plus registered URLs), if it changed."""
        if self._config != self._baseline:
            self._config = copy.deepcopy(self._baseline)
            if self.running:
                self.restart()

    def __enter__(self) -> "OidcProvider":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # what a browser does

    def sign_in_over_http(
        self,
        authorization_url: str,
        login: str,
        password: str = "any password",
        session: requests.Session | None = None,
    ) -> str:
        """Follow `authorization_url` like a browser, sign in as `login` and consent; return the callback URL.

        The returned URL is the Location the provider sends the browser to (the client's redirect_uri with
        `code`, `state` and `iss`, or with `error`); it is not followed. `session` keeps the provider's cookies
        (pass the same one to sign in again without the login page, or to sign out); a fresh one by default.
        """
        if login not in self.accounts:
            # The provider would accept the login name, then fail with a server_error finding the account.
            raise OidcProviderError(f"sign-in: no account {login!r}; the provider has {sorted(self.accounts)}")
        browser = session or requests.Session()
        response = browser.get(authorization_url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        for _ in range(MAX_SIGN_IN_STEPS):
            if response.is_redirect:
                location = urljoin(response.url, response.headers["Location"])
                if not self._serves(location):
                    return location
                response = browser.get(location, allow_redirects=False, timeout=HTTP_TIMEOUT)
                continue
            form = _single_form(response, "sign-in")
            values = dict(form.fields)
            if values.get("prompt") == "login":
                values.update(login=login, password=password)
            elif values.get("prompt") != "consent":
                raise OidcProviderError(f"sign-in: unexpected form at {response.url}: {values}")
            response = browser.post(
                urljoin(response.url, form.action), data=values, allow_redirects=False, timeout=HTTP_TIMEOUT
            )
        raise OidcProviderError(f"sign-in: no redirect to the client after {MAX_SIGN_IN_STEPS} steps")

    def sign_out_over_http(self, end_session_url: str, session: requests.Session | None = None) -> str:
        """Open the end-session URL and answer "Yes, sign me out"; return where the provider redirects to.

        That is the post_logout_redirect_uri (with `state`) when the request named a registered one, else the
        provider's own signed-out page. `session` is the one that signed in, to end that provider session.
        """
        browser = session or requests.Session()
        response = browser.get(end_session_url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        if response.is_redirect:
            raise OidcProviderError(f"sign-out: {end_session_url} redirected to {response.headers['Location']}")
        form = _single_form(response, "sign-out")
        values = {**form.fields, "logout": form.buttons.get("logout", form.fields.get("logout", "yes"))}
        answer = browser.post(
            urljoin(response.url, form.action), data=values, allow_redirects=False, timeout=HTTP_TIMEOUT
        )
        if not answer.is_redirect:
            said = " ".join(_parse_page(answer.text).text)[:500]
            raise OidcProviderError(f"sign-out: HTTP {answer.status_code} from {answer.url}: {said}")
        return urljoin(answer.url, answer.headers["Location"])

    def _serves(self, url: str) -> bool:
        return url == self.issuer or url.startswith(self.issuer + "/")

    # tokens of a test's own making

    def id_token_claims(self, login: str, *, nonce: str | None = None, lifetime: int = 600, **overrides) -> dict:
        """The claims an ID token for account `login` carries (iss, aud, sub, iat, exp, the account's claims).

        `overrides` replace any of them (e.g. `aud="someone-else"`, `exp=...` in the past, `iss=...`).
        """
        now = int(time.time())
        claims = {
            **self.accounts[login],
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + lifetime,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        claims.update(overrides)
        return claims

    def sign_jwt(self, claims: dict, private_jwk: dict | None = None, header: dict | None = None) -> str:
        """`claims` as an RS256 JWT signed with the provider's signing key, or with `private_jwk` (a foreign key)."""
        return sign_jwt(claims, private_jwk or self.signing_key, header)


def _with_subjects(accounts: dict[str, dict]) -> dict[str, dict]:
    """A copy of `accounts` where each one's `sub` is set (its id, unless it names another)."""
    return {account_id: {"sub": account_id, **copy.deepcopy(claims)} for account_id, claims in accounts.items()}


# --- the fixture -----------------------------------------------------------------------------------------

_shared: OidcProvider | None = None
_shared_users = 0


@pytest.fixture(scope="session")
def oidc_provider():
    """This worker's OpenID provider, started once, with the app on http://localhost registered.

    Conftests in several folders may import this fixture: they share one provider per worker process.
    A test that restart()s it with other keys, accounts or clients should reset() it when done.
    """
    global _shared, _shared_users
    if _shared is None:
        _shared = OidcProvider()
        _shared.allow_app(TEST_CLIENT_BASE)
        _shared.start()
    _shared_users += 1
    try:
        yield _shared
    finally:
        _shared_users -= 1
        if _shared_users == 0:
            _shared.stop()
            _shared = None
