"""The dashboard under attack: hostile Host headers, cross-site writes, path traversal.

Every route comes from the app's own URL map, so a route added later is attacked too. The
vault is the example vault plus symlinks out of it, next to a canary file whose secret must
never appear in any response. The Flask test client covers every combination; a real server
on 127.0.0.1, spoken to over raw sockets, checks that waitress passes nothing more through.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from iiv.library import Library
from iiv.server import Server
from iiv.web import create_app
from iiv.web.security import WebSettings, load_secret
from tests.helpers import copy_example, serving
from tests.web_helpers import form_with_button, post_forms

PORT = 8765
HOST = f"127.0.0.1:{PORT}"
ORIGIN = f"http://{HOST}"
DAY = "?today=2026-12-01"
GRACE_TASK = "Done: Send Grace Liang the meetup recording once it is published"
THANKED = "Thanked: Send a thank-you note to Lucía Fernández for the video on 2026-11-28"
HOSTILE_HOSTS = [
    "evil.example",
    "evil.example:8765",
    "127.0.0.1.evil.example:8765",
    "localhost.evil.example:8765",
    "attacker.localhost:8765",
    "127.0.0.1:9999",
    "127.0.0.1",
    "localhost",
    "0.0.0.0:8765",
    "127.0.0.2:8765",
    "127.1:8765",
    "2130706433:8765",
    "0x7f.0.0.1:8765",
    "[::ffff:127.0.0.1]:8765",
    "[::1]",
    "localhost.:8765",
    "127.0.0.1:8765.evil.example",
    "127.0.0.1:8765@evil.example",
    "127.0.0.1:08765",
    "１２７.０.０.１:8765",
    "",
]
CONFLICT_COPY = "people/Amara Okafor.sync-conflict-20261201-101500-phone.md"
SAMPLES = {
    "static": {"filename": "style.css"},
    "notes.person": {"path": "people/Amara Okafor.md"},
    "notes.interview": {"path": "interviews/2026-09-29 Grace Liang.md"},
    "notes.note": {"path": "Welcome.md"},
    "notes.company": {"name": "Northwind Robotics"},
    "drafts.draft_page": {"kind": "thank-you", "path": "interviews/2026-11-28 Lucía Fernández.md"},
    "brief.brief_page": {"path": "interviews/2026-12-03 Kenji Watanabe and Amara Okafor.md"},
    "resolve.resolve_page": {"path": CONFLICT_COPY},
    "resolve.resolve": {"path": CONFLICT_COPY},
}
EXTRA_URLS = ["/no/such/page", "/static/app.js", "/static/nothing.css", "/api/nothing"]
# For each state-changing endpoint: the page and the button whose form a click would send.
FORMS = {
    "actions.complete": ("/" + DAY, GRACE_TASK),
    "actions.snooze": ("/" + DAY, f"Snooze 3 days: {GRACE_TASK.removeprefix('Done: ')}"),
    "actions.step": ("/" + DAY, THANKED),
    "actions.create_interview": ("/person/people/Amara%20Okafor.md", None),
    "actions.undo_change": ("/" + DAY, None),  # the Undo of a change just made
    "calendar.regenerate": ("/calendar", "Make a new calendar address"),
    "imports.preview": ("/import", "Show what would happen"),
    "imports.apply": ("/import", None),  # its form appears after a dry run: sent as it would be
    "targets.score": ("/targets", "Save the scores of Carvalho Chairs"),
    "debrief.save": (
        "/interview/interviews/2026-11-28%20Luc%C3%ADa%20Fern%C3%A1ndez.md",
        "Save the debrief of 2026-11-28 Lucía Fernández",
    ),
    "sync.sync_now": ("/sync", "Sync now"),
    "people.add_person": ("/people", "Add the person"),
    "resolve.resolve": (
        "/resolve/people/Amara%20Okafor.sync-conflict-20261201-101500-phone.md",
        "Keep this version of people/Amara Okafor.md",
    ),
}
CROSS_SITE = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
# (why, headers, whether the real token is sent, content type); each must be refused with 403.
ATTACKS = [
    ("no token", {"Origin": ORIGIN}, None, "form"),
    ("a wrong token", {"Origin": ORIGIN}, "0" * 64, "form"),
    ("the token of another vault", {"Origin": ORIGIN}, WebSettings().csrf_token(), "form"),
    ("a foreign Origin", CROSS_SITE, "right", "form"),
    (
        "a foreign Origin claiming same-origin",
        {"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"},
        "right",
        "form",
    ),
    ("another port", {"Origin": "http://127.0.0.1:9999"}, "right", "form"),
    ("another scheme", {"Origin": f"https://{HOST}"}, "right", "form"),
    ("a look-alike Origin", {"Origin": f"{ORIGIN}.evil.example"}, "right", "form"),
    ("Origin: null", {"Origin": "null"}, "right", "form"),
    (
        "Origin: null, cross-site",
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        "right",
        "form",
    ),
    ("Origin: null, same-site", {"Origin": "null", "Sec-Fetch-Site": "same-site"}, "right", "form"),
    ("no Origin at all", {}, "right", "form"),
    ("only a Referer", {"Referer": ORIGIN + "/"}, "right", "form"),
    ("a text/plain cross-site form", CROSS_SITE, "right", "text/plain"),
    ("a text/plain form", {"Origin": ORIGIN}, "right", "text/plain"),
    ("a multipart cross-site form", CROSS_SITE, "right", "multipart"),
    ("JSON with the header token, cross-site", CROSS_SITE, "header", "json"),
]


@dataclass(frozen=True)
class Site:
    root: Path
    outside: Path
    secret: str
    app: Flask
    library: Library


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("websec")
    root = copy_example(base)
    (root / CONFLICT_COPY).write_text(
        "---\ntype: person\n---\n# Amara Okafor\n\nFrom the phone.\n", encoding="utf-8"
    )
    outside, secret = canary(base)
    escapes(root, outside)
    library = Library.open(root, base / "index")
    try:
        library.sync()
        yield Site(root, outside, secret, create_app(library, WebSettings(port=PORT)), library)
    finally:
        library.close()


def canary(base: Path) -> tuple[Path, str]:
    outside = base / "outside"
    (outside / "folder").mkdir(parents=True)
    secret = f"IIV-CANARY-{os.urandom(12).hex()}"
    text = f"---\ntype: person\nname: {secret}\n---\n# {secret}\n\n- [ ] {secret} 📅 2026-12-01\n"
    for rel in ("secret.md", "folder/other.md", "iiv.yaml", "style.css"):
        (outside / rel).write_text(text, encoding="utf-8")
    return outside, secret


def escapes(root: Path, outside: Path) -> None:
    """Symlinks that lead out of the vault, and hidden notes that must stay hidden."""
    (root / "people" / "escape.md").symlink_to(outside / "secret.md")
    (root / "people" / "escape-relative.md").symlink_to(Path("..") / ".." / "outside" / "secret.md")
    (root / "people" / "escape-folder").symlink_to(outside / "folder", target_is_directory=True)
    (root / "people" / "loop.md").symlink_to("loop.md")
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "workspace.md").write_text("HIDDEN-NOTE\n", encoding="utf-8")


def files(root: Path) -> dict[str, bytes]:
    """Every file in the vault and its bytes: what a refused request must leave alone."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def call(
    client: FlaskClient, method: str, url: str, host: str = HOST, **kwargs: object
) -> TestResponse:
    headers = {"Host": host, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    response = client.open(url, method=method, headers=headers, **kwargs)  # type: ignore[arg-type]
    response.get_data()
    response.close()
    return response


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, a URL) for every rule of the URL map, and a few that match none."""
    found = []
    with app.test_request_context(base_url=ORIGIN):
        from flask import url_for

        for rule in app.url_map.iter_rules():
            url = url_for(rule.endpoint, **SAMPLES.get(rule.endpoint, {}))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):  # type: ignore[operator]
                found.append((rule.endpoint, method, url))
    found += [("(none)", "GET", url) for url in EXTRA_URLS]
    return found


def leaked(site: Site, response: TestResponse) -> bool:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    body = response.get_data(as_text=True)
    return site.secret in body or site.secret in headers or "HIDDEN-NOTE" in body


# Host


def test_every_route_is_covered(site: Site) -> None:
    endpoints = {endpoint for endpoint, _, _ in routes(site.app)}
    assert len(endpoints) >= 16
    posts = {endpoint for endpoint, method, _ in routes(site.app) if method == "POST"}
    assert posts == set(FORMS)


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_every_route_refuses_a_hostile_host(site: Site, host: str) -> None:
    client = site.app.test_client()
    before = files(site.root)
    token = WebSettings(port=PORT, secret_key=site.app.config["SECRET_KEY"]).csrf_token()
    for endpoint, method, url in routes(site.app):
        # A rebinding page is same-origin with itself: its Origin matches the Host it sends.
        headers = {"Origin": f"http://{host}"} if method == "POST" else {}
        data = {"csrf_token": token, "path": "Welcome.md"} if method == "POST" else None
        response = call(client, method, url, host=host, headers=headers, data=data)
        assert response.status_code == 421, (endpoint, url)
        assert response.get_data(as_text=True) == "Refused: unexpected Host header.\n"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert files(site.root) == before


def test_every_route_answers_the_loopback_names(site: Site) -> None:
    client = site.app.test_client()
    for host in (HOST, f"localhost:{PORT}", f"[::1]:{PORT}", f"LOCALHOST:{PORT}"):
        for endpoint, method, url in routes(site.app):
            if method == "GET":
                missing = endpoint == "(none)" and "app.js" not in url
                expected = 404 if missing or endpoint == "calendar.feed" else 200  # no token
                assert call(client, "GET", url, host=host).status_code == expected, (host, url)


# Cross-site writes


@dataclass(frozen=True)
class Request:
    action: str
    data: dict[str, str]


def genuine(client: FlaskClient, endpoint: str) -> Request:
    """The request a click on the page's own button sends, with its real token."""
    page, label = FORMS[endpoint]
    if endpoint == "actions.undo_change":
        return _undo_of_a_new_interview(client)
    html = call(client, "GET", page).get_data(as_text=True)
    if endpoint == "imports.apply":
        token = next(iter(post_forms(html))).fields["csrf_token"]
        return Request("/import/apply", {"csrf_token": token, "upload": "an-expired-upload"})
    if label is None:
        form = next(f for f in post_forms(html) if f.action == "/do/new-interview")
        data = {**form.fields, "date": "2026-12-20", "status": "scheduled"}
        return Request(form.action, data)
    action, data = form_with_button(html, label)
    if endpoint == "people.add_person":
        data["name"] = f"Ada Lovelace {next(_NUMBERS)}"
    if endpoint == "imports.preview":
        data["kind"] = "vcard"  # its <select>, which the form parser does not read
    return Request(action, data)


_NUMBERS = itertools.count(1)  # a new name for each person a genuine request adds


def _undo_of_a_new_interview(client: FlaskClient) -> Request:
    """The Undo button shown after a genuine change: a new interview note, which it deletes."""
    made = genuine(client, "actions.create_interview")
    response = call(client, "POST", made.action, headers={"Origin": ORIGIN}, data=made.data)
    html = call(client, "GET", response.headers["Location"]).get_data(as_text=True)
    form = next(f for f in post_forms(html) if f.action == "/do/undo")
    return Request(form.action, dict(form.fields))


def attack(
    client: FlaskClient, request: Request, headers: dict[str, str], token: str | None, kind: str
) -> TestResponse:
    data = dict(request.data)
    real = data.pop("csrf_token")
    if token == "right":
        data["csrf_token"] = real
    elif token not in (None, "header"):
        data["csrf_token"] = token
    headers = dict(headers)
    if token == "header":
        headers["X-CSRF-Token"] = real
    if kind == "text/plain":
        body = "&".join(f"{k}={v}" for k, v in data.items())
        return call(
            client,
            "POST",
            request.action,
            headers={**headers, "Content-Type": "text/plain"},
            data=body.encode(),
        )
    if kind == "multipart":
        return call(
            client,
            "POST",
            request.action,
            headers=headers,
            data=data,
            content_type="multipart/form-data",
        )
    if kind == "json":
        return call(client, "POST", request.action, headers=headers, json=data)
    return call(client, "POST", request.action, headers=headers, data=data)


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_every_state_change_refuses_a_forged_request(site: Site, endpoint: str) -> None:
    client = site.app.test_client()
    request = genuine(client, endpoint)
    before = files(site.root)
    for why, headers, token, kind in ATTACKS:
        response = attack(client, request, headers, token, kind)
        assert response.status_code == 403, why
        assert response.get_data(as_text=True).startswith("Refused: "), why
    assert files(site.root) == before


HOSTILE_VALUES = (
    [
        ("actions.snooze", "line", value)
        for value in ("²", "9" * 5000, "0", "-1", "1.5", " 3", "0x10", "", None)
    ]
    + [("actions.snooze", "days", value) for value in ("²", "366", "0", "9" * 5000, None)]
    + [("actions.complete", "hash", value) for value in ("", "x" * 10_000, None)]
    + [
        ("actions.complete", "path", value)
        for value in ("", "\x00", "people", "people/", "/", "Welcome.md\x00", "x" * 5000, None)
    ]
    + [
        ("actions.step", "step", value)
        for value in ("nope", "", "__class__", "complete", "snooze", None)
    ]
    + [("actions.step", "date", value) for value in ("2026-02-30", "x" * 5000)]
    + [("actions.undo_change", "id", value) for value in ("0", "x", "9" * 5000, "99999", None)]
    + [("imports.preview", "kind", value) for value in ("nope", "", "__class__", None)]
    + [("imports.apply", "upload", value) for value in ("", "x" * 5000, "../..", None)]
    + [
        ("people.add_person", field, value)
        for field, value in (
            ("name", ""),
            ("name", None),
            ("name", "   "),
            ("name", "Chiara Bianchi"),
            ("name", "/../.."),
            ("linkedin", "javascript:alert(1)"),
            ("email", "not an address"),
            ("introduced_by", "Nobody Whatsoever"),
            ("keep_in_touch", "often"),
            ("keep_in_touch", "9" * 5000),
        )
    ]
    + [("actions.step", "time", value) for value in ("25:00", "x" * 5000)]
    + [
        ("debrief.save", field, value)
        for field, value in (
            ("takeaways", "x" * 20_000),
            ("promises", "Send it 2026-02-30"),
            ("people", ", Nobody"),
            ("path", "../outside/secret.md"),
            ("path", None),
        )
    ]
    + [
        ("targets.score", field, value)
        for field, value in (
            ("motivation", "4"),
            ("motivation", "²"),
            ("motivation", "9" * 5000),
            ("posting", "0"),
            ("posting", "-1"),
            ("company", "No such employer"),
            ("company", None),
            ("hash", "x" * 64),
        )
    ]
    + [
        ("actions.create_interview", field, value)
        for field, value in (
            ("date", "9999-99-99"),
            ("date", "2026-02-30"),
            ("date", "x" * 5000),
            ("time", "25:00"),
            ("time", "²²:00"),
            ("status", "<script>"),
            ("person", ""),
            ("person", "Welcome.md"),
            ("person", None),
        )
    ]
)


@pytest.mark.parametrize(("endpoint", "field", "value"), HOSTILE_VALUES)
def test_a_hostile_form_value_is_refused_with_a_4xx_and_changes_nothing(
    site: Site, endpoint: str, field: str, value: str | None
) -> None:
    client = site.app.test_client()
    request = genuine(client, endpoint)
    data = {**request.data, field: value} if value is not None else dict(request.data)
    if value is None:
        del data[field]
    before = files(site.root)
    response = call(client, "POST", request.action, headers={"Origin": ORIGIN}, data=data)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[-300:]
    assert files(site.root) == before


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "GET"])
def test_other_methods_change_nothing(site: Site, method: str) -> None:
    client = site.app.test_client()
    before = files(site.root)
    for endpoint, _, url in routes(site.app):
        response = call(client, method, url, headers={"Origin": "http://evil.example"})
        assert response.status_code in (200, 403, 404, 405), (endpoint, method)
    options = call(
        client,
        "OPTIONS",
        "/do/complete",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert not any(h.lower().startswith("access-control-") for h, _ in options.headers)
    assert files(site.root) == before


def test_the_genuine_requests_are_accepted(tmp_path: Path) -> None:
    """The control: the same requests, sent as the page sends them, do change the note."""
    library = Library.open(copy_example(tmp_path), tmp_path / "index")
    try:
        library.sync()
        client = create_app(library, WebSettings(port=PORT)).test_client()
        for endpoint in (
            "actions.snooze",
            "actions.step",
            "actions.create_interview",
            "actions.undo_change",
            "people.add_person",
            "actions.complete",
        ):  # the snooze button goes once the task is done
            request = genuine(client, endpoint)
            before = files(library.root)
            response = call(
                client, "POST", request.action, headers={"Origin": ORIGIN}, data=request.data
            )
            assert response.status_code == 303, endpoint
            assert files(library.root) != before, endpoint
    finally:
        library.close()


# Traversal


def traversals(site: Site) -> list[str]:
    """Vault paths an attacker may try, raw (the client encodes what it must)."""
    secret = str(site.outside / "secret.md")
    return [
        "../outside/secret.md",
        "../../outside/secret.md",
        "..%2foutside%2fsecret.md",
        "%2e%2e/outside/secret.md",
        "%2e%2e%2f%2e%2e%2foutside%2fsecret.md",
        "%252e%252e%252foutside%252fsecret.md",
        "..%252f..%252foutside%252fsecret.md",
        "..\\outside\\secret.md",
        "..%5coutside%5csecret.md",
        "%5c..%5c..%5coutside%5csecret.md",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        secret,
        quote(secret, safe=""),
        "people/../../outside/secret.md",
        "people/%2e%2e/%2e%2e/outside/secret.md",
        "people/..%2f..%2foutside%2fsecret.md",
        "secret.md%00.md",
        "../outside/secret.md%00",
        "people/escape.md%00",
        ".obsidian/workspace.md",
        "%2eobsidian/workspace.md",
        ".git/config",
        "C:\\Windows\\win.ini",
        "C:%5cWindows%5cwin.ini",
        "C:/outside/secret.md",
        "file:///etc/passwd",
        "file%3a%2f%2f%2fetc%2fpasswd",
        "a/" * 300 + "../" * 302 + "outside/secret.md",
        "x" * 5000 + ".md",
        "\u2024\u2024/\u2024\u2024/outside/secret.md",
        "\uff0e\uff0e/\uff0e\uff0e/outside/secret.md",
        "%c0%ae%c0%ae/%c0%ae%c0%ae/outside/secret.md",
        "%e2%80%a4%e2%80%a4/outside/secret.md",
        "....//....//outside/secret.md",
        "./../outside/secret.md",
        ".%2e/.%2e/outside/secret.md",
        "..;/..;/outside/secret.md",
        "people/Amara Okafor.md/../../../outside/secret.md",
        "~/.ssh/id_rsa",
        "people/escape.md",
        "people/escape-relative.md",
        "people/escape-folder/other.md",
        "people/escape-folder/../../outside/secret.md",
        "people/loop.md",
        "../outside/iiv.yaml",
    ]


PREFIXES = [
    "/note/",
    "/person/",
    "/interview/",
    "/company/",
    "/static/",
    "/draft/request/",
    "/brief/",
]


def test_traversal_attempts_read_nothing_outside_the_vault(site: Site) -> None:
    client = site.app.test_client()
    attempts = traversals(site)
    assert len(attempts) >= 30
    for attempt in attempts:
        for prefix in PREFIXES:
            url = prefix + quote(attempt, safe="/%")
            response = client.get(url, headers={"Host": HOST}, follow_redirects=True)
            response.get_data()
            response.close()
            assert response.status_code in (400, 404), url[:200]
            assert not leaked(site, response), url[:200]
    for query in (
        "/search?q=canary",
        "/api/problems",
        "/problems",
        "/" + DAY,
        "/api/due?today=2026-12-01&within=3660",
    ):
        response = call(client, "GET", query)
        assert response.status_code == 200 and not leaked(site, response), query
    found = call(client, "GET", f"/api/search?q={site.secret}").get_json()
    assert (found["total"], found["results"]) == (0, [])


def test_edits_to_paths_outside_the_vault_are_404_and_change_nothing(site: Site) -> None:
    client = site.app.test_client()
    before = {p: p.read_bytes() for p in sorted(site.outside.rglob("*")) if p.is_file()}
    vault_before = files(site.root)
    complete = genuine(client, "actions.complete")
    interview = genuine(client, "actions.create_interview")
    for attempt in traversals(site):
        for request, field in ((complete, "path"), (interview, "person")):
            data = {**request.data, field: attempt, "line": "1"}
            response = call(client, "POST", request.action, headers={"Origin": ORIGIN}, data=data)
            assert response.status_code in (400, 404), (attempt[:100], field)
            assert not leaked(site, response)
    assert {p: p.read_bytes() for p in sorted(site.outside.rglob("*")) if p.is_file()} == before
    assert files(site.root) == vault_before


# The same through waitress, over raw sockets: no client normalises anything on the way.


@pytest.fixture(scope="module")
def server(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(site.root, tmp_path_factory.mktemp("websec-server"), watch=False) as running:
        yield running


def raw(port: int, request: bytes) -> tuple[int, bytes]:
    """Send one raw HTTP request to 127.0.0.1; the status code and the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return (int(match.group(1)) if match else 0), answer


def get_raw(port: int, target: str, host: str, *extra: str) -> tuple[int, bytes]:
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}", *extra, "Connection: close", "", ""]
    return raw(port, "\r\n".join(lines).encode("utf-8", "surrogateescape"))


def test_the_real_server_refuses_hostile_hosts(server: Server) -> None:
    port = server.port
    for host in [*HOSTILE_HOSTS, "evil.example:8765"]:
        for target in ("/", "/api/status", "/static/app.js", "/note/Welcome.md", "/nowhere"):
            status, answer = get_raw(port, target, host.replace("8765", str(port)))
            assert status in (400, 421), (host, target)
            assert b"Welcome" not in answer and b"generation" not in answer
    status, _ = get_raw(port, "/", f"127.0.0.1:{port}", "Host: evil.example")  # a second Host
    assert status in (400, 421)
    status, _ = raw(port, b"GET / HTTP/1.0\r\n\r\n")  # no Host at all: the server's own name
    assert status in (200, 400, 421)
    assert get_raw(port, "/", f"127.0.0.1:{port}")[0] == 200


def test_the_real_server_reads_nothing_outside_the_vault(site: Site, server: Server) -> None:
    port = server.port
    host = f"127.0.0.1:{port}"
    for attempt in traversals(site):
        for prefix in PREFIXES:
            target = prefix + quote(attempt, safe="/%:\\;~")
            status, answer = get_raw(port, target, host)
            assert status not in (0, 200, 500), target[:200]
            assert site.secret.encode() not in answer, target[:200]
    for target in (
        "/note/../../outside/secret.md",
        "/static/../../outside/secret.md",
        "/note/people/escape.md\x00",
        "/note/..\\..\\outside\\secret.md",
        "http://evil.example/note/people/escape.md",
        "*",
    ):
        status, answer = get_raw(port, target, host)
        assert status not in (200, 500) and site.secret.encode() not in answer, target
    post = urlencode({"path": "../outside/secret.md", "line": "1", "hash": "x"})
    status, answer = raw(
        port,
        (
            f"POST /do/complete HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(post)}\r\n"
            f"Connection: close\r\n\r\n{post}"
        ).encode(),
    )
    assert status == 403 and site.secret.encode() not in answer


def test_the_real_server_refuses_a_request_line_naming_another_host(server: Server) -> None:
    host = f"127.0.0.1:{server.port}"
    for target in ("http://evil.example/", "http://evil.example/api/status", "HTTP://Evil:1/"):
        status, answer = get_raw(server.port, target, host)
        assert status == 421, target
        assert answer.endswith(b"\r\n\r\nRefused: the request line names another host.\n")
    status, answer = get_raw(server.port, f"http://{host}/api/status", host)
    assert status == 200 and b"generation" in answer


def test_the_csrf_token_changes_with_each_start(site: Site, tmp_path: Path) -> None:
    tokens = []
    for _ in range(2):
        with serving(site.root, tmp_path) as started:
            host = f"127.0.0.1:{started.port}"
            status, page = get_raw(started.port, "/person/people/Amara%20Okafor.md", host)
            assert status == 200
            tokens.append(re.findall(rb'name="csrf_token" value="([0-9a-f]{64})"', page)[0])
            assert started.app.config["SECRET_KEY"] == load_secret(tmp_path)  # the same secret
    assert tokens[0] != tokens[1]
    same_secret = b"k" * 32
    assert WebSettings(secret_key=same_secret).csrf_token() != (
        WebSettings(secret_key=same_secret).csrf_token()
    )
