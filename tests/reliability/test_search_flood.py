"""A flood of the most expensive searches a web page can send leaves the dashboard answering.

A search needs no token, so any page the user visits can send them (an `<img>` pointing at
the dashboard does). Wildcards walk the vocabulary: before the bounds, on a 5,000-note vault,
the longest query allowed (83 wildcard words) took 12–15 s, and eight at once kept
`/api/status` waiting 108 s. Now a query expands at most 4 wildcards, each to 200 words a
field, and stops after a second with what it found.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from benchmarks.generate import generate
from iiv.server import Server
from tests.helpers import serving
from tests.reliability.harness import LONG, figures

NOTES = 5000 if LONG else 1500
FLOOD = 12  # requests at once, as a page of <img> tags
# the longest query allowed (500 characters): wildcards inside every word
QUERY = " ".join(f"*{v}*" for v in "aeiou" * 20)[:500]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("flood")
    generate(tmp / "vault", NOTES, seed=5)
    with serving(tmp / "vault", tmp / "index", watch=False) as running:
        yield running


def get(server: Server, path: str, timeout: float = 120) -> tuple[float, dict[str, object]]:
    """Seconds until the answer, and the answer."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": f"127.0.0.1:{server.port}"})
        body = connection.getresponse().read()
    finally:
        connection.close()
    return time.monotonic() - started, json.loads(body)


def test_a_flood_of_wildcard_searches_leaves_the_status_answered(server: Server) -> None:
    searches: list[tuple[float, dict[str, object]]] = []

    def search() -> None:
        searches.append(get(server, "/api/search?" + urlencode({"q": QUERY})))

    flood = [threading.Thread(target=search) for _ in range(FLOOD)]
    for thread in flood:
        thread.start()
    time.sleep(0.3)  # the searches are running
    status_took, status = get(server, "/api/status")
    for thread in flood:
        thread.join(timeout=180)
    slowest = max(took for took, _ in searches)
    with figures("search flood") as record:
        record.runs = FLOOD
        record.seconds = [took for took, _ in searches]
        record.extra.update(notes=NOTES, status_s=round(status_took, 2))
    assert status["notes"] == NOTES
    assert len(searches) == FLOOD
    assert all(answer["notice"] for _, answer in searches)
    assert status_took < 5.0, f"/api/status took {status_took:.1f} s during the flood"
    assert slowest < 15.0, f"a search of the flood took {slowest:.1f} s"
