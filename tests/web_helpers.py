"""Helpers for tests of the dashboard through Flask's test client: requests with the Host and
Origin a browser would send, the POST forms of a page and the button a click would press, and a
client over a vault of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

PORT = 8765  # the port the Host header names; nothing listens on it
HOST = f"127.0.0.1:{PORT}"
BASE = f"http://{HOST}"


@contextmanager
def web_client(root: Path, tmp_path: Path) -> Iterator[FlaskClient]:
    """The test client of a dashboard over `root`, synced, with its index in `tmp_path`: for a
    test that builds a vault of its own (the `client` fixture serves the example vault)."""
    from iiv.library import Library
    from iiv.web import create_app
    from iiv.web.security import WebSettings

    library = Library.open(root, index_dir=tmp_path / "web-index")
    try:
        library.sync()
        yield create_app(library, WebSettings(port=PORT)).test_client()
    finally:
        library.close()


def get(
    client: FlaskClient, url: str, host: str = HOST, follow: bool = False, **headers: str
) -> TestResponse:
    response = client.get(url, headers={"Host": host, **headers}, follow_redirects=follow)
    response.get_data()  # buffer the body, so that closing frees a file served from disk
    response.close()
    return response


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


@dataclass
class Form:
    action: str
    fields: dict[str, str]
    buttons: list[dict[str, str | None]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and values.get("method") == "post":
            self._open = Form(values.get("action") or "", {})
            self.forms.append(self._open)
        elif self._open is not None and tag == "input" and values.get("type") == "hidden":
            self._open.fields[values["name"] or ""] = values.get("value") or ""
        elif self._open is not None and tag == "button":
            self._open.buttons.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def post_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with_button(html: str, aria_label: str) -> tuple[str, dict[str, str]]:
    """The action and the data a click on the button labelled `aria_label` would send."""
    for form in post_forms(html):
        for button in form.buttons:
            if button.get("aria-label") == aria_label:
                data = dict(form.fields)
                if button.get("name"):
                    data[button["name"] or ""] = button.get("value") or ""
                return form.action, data
    raise AssertionError(f"no button labelled {aria_label!r}")


def post(
    client: FlaskClient, url: str, data: dict[str, str], origin: str | None = BASE, **headers: str
) -> TestResponse:
    sent = {"Host": HOST, **headers}
    if origin is not None:
        sent["Origin"] = origin
    return client.post(url, data=data, headers=sent)


def click(client: FlaskClient, page: str, aria_label: str) -> TestResponse:
    action, data = form_with_button(text(get(client, page)), aria_label)
    return post(client, action, data)
