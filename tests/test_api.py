"""The JSON API against a real `iiv serve` on 127.0.0.1: the documented shapes, and freshness."""

from __future__ import annotations

import http.client
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from iiv.server import ServeOptions, Server
from tests.helpers import copy_example, serving
from tests.sync_helpers import wait_until


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One served example vault for the whole module: these tests only read."""
    tmp = tmp_path_factory.mktemp("api")
    with serving(copy_example(tmp), tmp / "index") as running:
        yield running


def get(server: Server, path: str, host: str | None = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host or f"127.0.0.1:{server.port}"})
        response = connection.getresponse()
        body = response.read()
        kind = response.getheader("Content-Type", "")
        return response.status, json.loads(body) if "json" in kind else body.decode()
    finally:
        connection.close()


def test_status_has_the_documented_shape(server: Server) -> None:
    status, data = get(server, "/api/status")
    assert status == 200
    assert set(data) >= {
        "notes",
        "indexed",
        "problems",
        "pending",
        "last_sync",
        "watching",
        "index_version",
    }
    assert data["notes"] == data["indexed"] == 46
    assert data["problems"] == 0 and data["pending"] == 0 and data["watching"] is True


def test_due_has_the_documented_shape(server: Server) -> None:
    status, data = get(server, "/api/due?today=2026-12-01&within=7")
    assert status == 200 and data["today"] == "2026-12-01"
    assert {item["kind"] for item in data["items"]} == {
        "task",
        "thank-you",
        "nudge",
        "next-contact",
        "prepare",
        "report-back",
        "keep-in-touch",
    }
    for item in data["items"]:
        assert list(item) == ["path", "line", "person", "action", "due", "kind", "overdue"]
        assert not item["path"].startswith("/") and "\\" not in item["path"]


def test_due_refuses_a_bad_date_with_one_line(server: Server) -> None:
    assert get(server, "/api/due?today=2026-02-30") == (
        400,
        {"error": "today: 2026-02-30 is not a real date"},
    )


def test_search_has_the_documented_shape(server: Server) -> None:
    status, data = get(server, "/api/search?q=sharpening&limit=3")
    assert status == 200 and data["query"] == "sharpening" and data["total"] >= 3
    assert len(data["results"]) == 3
    for result in data["results"]:
        assert set(result) == {"path", "kind", "title", "score", "snippet"}
    assert any("<mark>" in result["snippet"] for result in data["results"])


def test_problems_has_the_documented_shape(server: Server) -> None:
    assert get(server, "/api/problems") == (200, {"items": []})


@pytest.mark.parametrize(
    "host", ["evil.example", "127.0.0.1.nip.io:{port}", "localhost:1", "attacker.localhost:{port}"]
)
def test_api_refuses_a_foreign_host(server: Server, host: str) -> None:
    status, body = get(server, "/api/status", host=host.format(port=server.port))
    assert status == 421 and "Host" in body


def test_a_sed_edit_shows_in_search_and_problems(server: Server) -> None:
    note = server.library.root / "people" / "Tomasz Wójcik.md"
    subprocess.run(["sed", "-i", "s/woodworking/marquetry/", str(note)], check=True)
    wait_until(
        lambda: any(
            r["path"] == "people/Tomasz Wójcik.md"
            for r in get(server, "/api/search?q=marquetry")[1]["results"]
        ),
        5,
        "the sed edit to be searchable",
    )
    broken = server.library.root / "notes" / "broken.md"
    broken.write_text("---\nkeep_in_touch: [\n---\n")
    wait_until(lambda: get(server, "/api/problems")[1]["items"] != [], 5, "the problem to show")
    assert get(server, "/api/problems")[1]["items"][0]["path"] == "notes/broken.md"
    broken.unlink()
    wait_until(lambda: get(server, "/api/problems")[1]["items"] == [], 5, "the problem to go")
    wait_until(lambda: get(server, "/api/status")[1]["pending"] == 0, 5, "pending to be 0")


def test_unknown_paths_are_404_and_never_a_traceback(server: Server) -> None:
    status, body = get(server, "/api/nope")
    assert status == 404 and "Traceback" not in str(body)


def test_serve_refuses_a_non_loopback_host_without_allow_remote(tmp_path: Path) -> None:
    from iiv.errors import BadArgument

    with pytest.raises(BadArgument, match="--allow-remote"):
        Server(ServeOptions(vault=tmp_path, host="0.0.0.0", port=0, index_dir=tmp_path / "i"))


def test_a_server_whose_wake_up_pipe_was_closed_still_stops(tmp_path: Path) -> None:
    """Stopping wakes the serving loop through waitress' trigger pipe; with its end closed
    under it (by a stray close elsewhere in the process), the server still stops, sockets
    closed, thread ended, rather than fail with EBADF."""
    import os

    with serving(copy_example(tmp_path), tmp_path / "index", watch=False) as running:
        assert get(running, "/api/status")[0] == 200
        os.close(running.wsgi.trigger.trigger)
    assert running._thread is not None and not running._thread.is_alive()
    assert running._sockets == {}


def test_the_search_is_warmed_up_once_the_first_sync_is_done(tmp_path: Path) -> None:
    """The first search of a server answers as fast as the next: what only a first search
    would do (the Unicode word pattern, 10 to 15 ms to compile) is done by the first sync's
    end, on a vault with no index yet."""
    from iiv.search.analysis import word_re

    vault = tmp_path / "vault"  # ASCII words only: indexing them needs no Unicode pattern
    vault.mkdir()
    (vault / "Ada Lovelace.md").write_text("---\ntype: person\n---\nMet at the meetup.\n")
    word_re.cache_clear()
    with serving(vault, tmp_path / "index", watch=False):
        wait_until(lambda: word_re.cache_info().currsize == 1, 5, "the search to be warmed up")


def test_a_warm_start_warms_up_the_search_before_its_first_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From a warm start, the index is there before the first sync: the search is warmed up
    then, once, so that a client taking the sync's end for the moment to search finds it
    warm."""
    from iiv.library import Library

    vault = copy_example(tmp_path)
    with serving(vault, tmp_path / "index", watch=False):
        pass
    calls: list[str] = []
    warm_up, sync = Library.warm_up, Library.sync

    def counted_warm_up(library: Library) -> bool:
        calls.append("warm up")
        return warm_up(library)

    def counted_sync(library: Library, *args: Any, **kwargs: Any) -> Any:
        calls.append("sync")
        return sync(library, *args, **kwargs)

    monkeypatch.setattr(Library, "warm_up", counted_warm_up)
    monkeypatch.setattr(Library, "sync", counted_sync)
    with serving(vault, tmp_path / "index", watch=False):
        pass
    assert calls[:2] == ["warm up", "sync"] and calls.count("warm up") == 1


def test_the_first_sync_is_no_longer_pending_once_the_server_is_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ready means the first sync is done and counted so: the warm-up that follows it, slowed
    down here, never shows as a change still pending."""
    import time

    from iiv.library import Library

    warm_up = Library.warm_up

    def slow_warm_up(library: Library) -> bool:
        time.sleep(0.5)
        return warm_up(library)

    monkeypatch.setattr(Library, "warm_up", slow_warm_up)
    with serving(copy_example(tmp_path), tmp_path / "index", watch=False) as running:
        assert running.worker.pending == 0
        assert get(running, "/api/status")[1]["pending"] == 0
