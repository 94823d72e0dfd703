"""What keeps the dashboard safe on localhost, where any web page can send it requests.

- Host check on every request (DNS rebinding): only localhost, 127.0.0.1 and [::1] at our port.
- State changes need a same-origin `Origin` and a CSRF token from a page we rendered.
  (Under no-referrer, browsers send `Origin: null` for our own forms: then
  `Sec-Fetch-Site: same-origin` must say so.)
- Headers: a strict Content-Security-Policy (no inline script), nosniff, no framing, no referrer.
- A bind address other than loopback needs an access token, on every request (a view that
  checks a secret of its own, like the calendar feed's token, is marked `@own_secret`).
- Request bodies are bounded: 1 MB, or what a view marked `@allows_upload(size)` accepts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, g, request

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
ABSOLUTE_URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?P<authority>[^/?#]*)")
MAX_BODY = 1_000_000  # bytes of a request body, unless a view allows an upload
View = TypeVar("View", bound=Callable[..., Any])
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True)
class WebSettings:
    port: int = 8765
    secret_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    extra_hosts: tuple[str, ...] = ()  # host names allowed besides loopback (with --allow-remote)
    token: str | None = None  # required on every request when set
    # New with each start: a CSRF token leaked from one run (a page saved, a screenshot, a
    # browser's history) is worthless after a restart.
    csrf_nonce: bytes = field(default_factory=lambda: secrets.token_bytes(16), repr=False)

    @property
    def allowed_hosts(self) -> set[str]:
        names = (*LOOPBACK_HOSTS, *self.extra_hosts)
        hosts = {f"{name}:{self.port}" for name in names}
        if self.port == 80:
            hosts |= set(names)
        return hosts

    def csrf_token(self) -> str:
        message = b"iiv-csrf-v2:" + self.csrf_nonce
        return hmac.new(self.secret_key, message, hashlib.sha256).hexdigest()


def load_secret(folder: Path) -> bytes:
    """The vault's random secret, kept outside the vault in a file only its owner can read."""
    path = folder / "secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        data = path.read_bytes()
        if len(data) >= 32:
            return data
        path.unlink()
        return load_secret(folder)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def own_secret(view: View) -> View:
    """Mark a view that checks a secret of its own (the calendar feed's token, for calendar
    apps, which cannot keep a cookie): the access token of remote serving is not asked for."""
    view.iiv_own_secret = True  # type: ignore[attr-defined]
    return view


def allows_upload(size: int) -> Callable[[View], View]:
    """Mark a view that accepts a request body of up to `size` bytes (a file upload)."""

    def mark(view: View) -> View:
        view.iiv_max_body = size  # type: ignore[attr-defined]
        return view

    return mark


def _view_mark(name: str) -> Any:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, name, None)


def install(app: Flask, settings: WebSettings) -> None:
    @app.before_request
    def check_request() -> None:
        if request.host.lower() not in settings.allowed_hosts:
            abort(Response("Refused: unexpected Host header.\n", 421, mimetype="text/plain"))
        named = _host_in_request_line()
        if named is not None and named.lower() not in settings.allowed_hosts:
            message = "Refused: the request line names another host.\n"
            abort(Response(message, 421, mimetype="text/plain"))
        request.max_content_length = _view_mark("iiv_max_body") or MAX_BODY
        if settings.token and not _view_mark("iiv_own_secret"):
            if not _has_token(settings.token):
                abort(
                    Response("Refused: an access token is required.\n", 401, mimetype="text/plain")
                )
            g.remember_token = request.args.get("token") == settings.token
        if request.method not in SAFE_METHODS:
            _check_state_change(settings)

    @app.after_request
    def add_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if settings.token and g.get("remember_token"):
            response.set_cookie("iiv_token", settings.token, httponly=True, samesite="Strict")
        for name in [
            h for h, _ in response.headers.items() if h.lower().startswith("access-control-")
        ]:
            del response.headers[name]
        return response


def _host_in_request_line() -> str | None:
    """The host of an absolute-URI request line (`GET http://host/path HTTP/1.1`), which HTTP
    says takes precedence over `Host`; None for the usual `GET /path`."""
    line = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI") or ""
    match = ABSOLUTE_URI_RE.match(line)
    return match.group("authority") if match else None


def _has_token(token: str) -> bool:
    given = request.args.get("token") or request.cookies.get("iiv_token") or ""
    return hmac.compare_digest(given, token)


def _same_origin() -> bool:
    origin = request.headers.get("Origin", "")
    if origin == f"{request.scheme}://{request.host}":
        return True
    # Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even for a form on our own
    # page; then Sec-Fetch-Site, which no page can forge, tells that one of our pages sent it.
    return origin == "null" and request.headers.get("Sec-Fetch-Site") == "same-origin"


def _check_state_change(settings: WebSettings) -> None:
    if not _same_origin():
        abort(
            Response(
                "Refused: the request did not come from this dashboard.\n",
                403,
                mimetype="text/plain",
            )
        )
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not hmac.compare_digest(sent, settings.csrf_token()):
        abort(
            Response(
                "Refused: missing or wrong CSRF token. Reload the page and try again.\n",
                403,
                mimetype="text/plain",
            )
        )
