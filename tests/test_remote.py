"""`iiv serve --host 0.0.0.0 --allow-remote`, as a phone on the same network would use it.

The server binds every interface, but the tests send traffic to 127.0.0.1 only, naming this
machine's LAN address (or host name) in the Host header, as the phone's browser would.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno

from iiv.addresses import lan_address, remote_host_names, url_host
from iiv.server import ServeOptions, Server
from iiv.web.calendar import feed_token
from tests.helpers import ROOT, copy_example

TOKEN = "phone-token-0123456789abcdef"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("remote")
    options = ServeOptions(
        vault=copy_example(tmp),
        host="0.0.0.0",
        port=0,
        index_dir=tmp / "index",
        allow_remote=True,
        token=TOKEN,
    )
    server = Server(options)
    server.start()
    try:
        assert server.worker.ready.wait(60)
        yield server
    finally:
        server.close()


def request(
    port: int, path: str, host: str, cookie: str | None = None
) -> tuple[int, dict[str, str], str]:
    """GET over 127.0.0.1, whatever the Host header names."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host, **({"Cookie": cookie} if cookie else {})}
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def lan_host(server: Server) -> str:
    return f"{url_host(lan_address('0.0.0.0'))}:{server.port}"


def test_the_printed_url_names_the_lan_address(remote: Server) -> None:
    assert remote.url == f"http://{lan_host(remote)}/"
    assert not remote.url.startswith(("http://0.0.0.0", "http://127."))


def test_the_machines_address_needs_the_token(remote: Server) -> None:
    status, _, body = request(remote.port, "/", lan_host(remote))
    assert (status, body) == (401, "Refused: an access token is required.\n")
    status, _, _ = request(remote.port, "/?token=wrong", lan_host(remote))
    assert status == 401


def test_the_token_once_then_its_cookie(remote: Server) -> None:
    status, headers, body = request(remote.port, f"/?token={TOKEN}", lan_host(remote))
    assert status == 200 and "Today" in body
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"iiv_token={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    status, _, body = request(remote.port, "/api/status", lan_host(remote), f"iiv_token={TOKEN}")
    assert status == 200 and json.loads(body)["notes"] == len(remote.library.snapshot().notes)
    assert request(remote.port, "/", lan_host(remote), "iiv_token=stolen")[0] == 401


def test_every_name_of_the_machine_is_accepted(remote: Server) -> None:
    names = remote_host_names("0.0.0.0")
    assert socket.gethostname().lower() in names
    for name in names:
        status, _, _ = request(remote.port, f"/api/status?token={TOKEN}", f"{name}:{remote.port}")
        assert status == 200, name


@pytest.mark.parametrize(
    "host", ["evil.example:{port}", "{lan}.nip.io:{port}", "{lan}:1", "192.0.2.250:{port}", ""]
)
def test_other_hosts_are_still_refused(remote: Server, host: str) -> None:
    lan = url_host(lan_address("0.0.0.0"))
    name = host.format(port=remote.port, lan=lan)
    if name.startswith("192.0.2.250") and lan == "192.0.2.250":
        pytest.skip("this machine has the address the test names as a stranger's")
    status, _, body = request(remote.port, f"/?token={TOKEN}", name)
    assert (status, body) == (421, "Refused: unexpected Host header.\n")


def test_the_calendar_feed_has_its_own_token(remote: Server) -> None:
    token = feed_token(remote.library.folder)
    status, _, body = request(remote.port, f"/calendar.ics?token={token}", lan_host(remote))
    assert status == 200 and body.startswith("BEGIN:VCALENDAR")
    assert f"URL:http://{lan_host(remote)}/" in body.replace("\r\n ", "")
    assert request(remote.port, "/calendar.ics?token=nope", lan_host(remote))[0] == 404


def test_a_button_on_the_phone_needs_the_cookie_and_the_csrf_token(remote: Server) -> None:
    lan = lan_host(remote)
    old = feed_token(remote.library.folder)

    def post(body: str, cookie: str | None) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", remote.port, timeout=10)
        headers = {
            "Host": lan,
            "Origin": f"http://{lan}",
            "Content-Type": "application/x-www-form-urlencoded",
            **({"Cookie": cookie} if cookie else {}),
        }
        try:
            connection.request("POST", "/calendar/token", body=body, headers=headers)
            return connection.getresponse().status
        finally:
            connection.close()

    csrf = f"csrf_token={remote.settings.csrf_token()}"
    assert post(csrf, None) == 401
    assert post("csrf_token=wrong", f"iiv_token={TOKEN}") == 403
    assert feed_token(remote.library.folder) == old
    assert post(csrf, f"iiv_token={TOKEN}") == 303
    assert feed_token(remote.library.folder) != old


def test_loopback_serving_still_refuses_the_machines_address(server: Server) -> None:
    status, _, body = request(server.port, "/", lan_host(server))
    assert (status, body) == (421, "Refused: unexpected Host header.\n")
    assert server.settings.token is None and server.settings.extra_hosts == ()
    assert request(server.port, "/api/status", f"127.0.0.1:{server.port}")[0] == 200


def test_iiv_serve_prints_the_lan_url_and_a_qr_code(tmp_path: Path) -> None:
    vault = copy_example(tmp_path)
    command = [sys.executable, "-m", "iiv", "serve", "--host", "0.0.0.0", "--allow-remote"]
    command += [
        "--port",
        "0",
        "--no-watch",
        "--vault",
        str(vault),
        "--index-dir",
        str(tmp_path / "i"),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    ) as process:
        assert process.stdout is not None
        try:
            lines = [process.stdout.readline() for _ in range(2)]
            code = list(iter(process.stdout.readline, "\n"))  # the QR code, then a blank line
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    lan = re.escape(url_host(lan_address("0.0.0.0")))
    assert re.fullmatch(
        rf"iiv is serving .+ at http://{lan}:\d+/\?token=[\w-]+  \(Ctrl\+C to stop\)\n", lines[0]
    ), lines[0]
    assert lines[1] == (
        "On a phone on the same network, open the address above or scan this code; "
        "the token is then kept in a cookie:\n"
    )
    url = lines[0].split(" at ", 1)[1].split("  ", 1)[0]
    drawing = io.StringIO()
    segno.make(url, error="m").terminal(out=drawing, compact=True)
    assert "".join(code) == drawing.getvalue()  # the code a phone scans is the printed address
    assert set("".join(code)) <= set("█▀▄ \n") and len(code) > 10
