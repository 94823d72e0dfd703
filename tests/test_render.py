"""Rendering a note's body: the work one note may cost, and the kept HTML reused.

Work is counted as Python function calls (made by markdown-it, a pure-Python parser, and by
iiv): a count that does not depend on how busy the machine is, unlike a timing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pytest
from flask.testing import FlaskClient

from iiv.library import Library
from iiv.note import parse_note
from iiv.web.render import MAX_OPENERS, BodyContext, TaskForm, render_body

HOST = {"Host": "127.0.0.1:8765"}
HOSTILE = "![" * 50_000  # 100 KB: 8 to 10 s of CPU per view before the cap
# one unclosed bracket a line, far more than the renderer may parse
BRACKET_LINES = "".join(f"[ line {n}\n" for n in range(10_000))


def calls(work: Callable[[], object]) -> int:
    """How many Python and C functions `work` calls."""
    count = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


@pytest.fixture(autouse=True)
def nothing_kept() -> Iterator[None]:
    from iiv.web import render

    render._RENDERED.clear()
    yield
    render._RENDERED.clear()


def context() -> BodyContext:
    return BodyContext(link_url=lambda link: None)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("body", [HOSTILE, BRACKET_LINES], ids=["one-line", "many-lines"])
def test_a_hostile_body_costs_bounded_work_then_almost_none(body: str) -> None:
    first = calls(lambda: render_body(body, context()))
    second = calls(lambda: render_body(body, context()))
    assert first < 4_000_000  # 2.7 million here (0.25 s); 12 to 84 million before the cap
    assert second < 100
    assert "is shown as plain text." in render_body(body, context())


def test_markdown_stops_at_the_line_where_the_brackets_run_out() -> None:
    html = str(render_body(BRACKET_LINES, context()))
    assert "<p>[ line 0\n[ line 1\n" in html
    assert f"[ line {MAX_OPENERS - 1}</p>" in html
    rest = len(BRACKET_LINES) - BRACKET_LINES.index(f"[ line {MAX_OPENERS}\n")
    assert f"The rest of this long note ({rest:,} characters) is shown as plain text." in html


def test_many_wikilinks_and_tasks_are_not_counted_against_the_budget() -> None:
    body = "".join(f"- [ ] Ask [[Person {n}]] and [[Team {n}]]\n" for n in range(2_200))
    assert "plain text" not in str(render_body(body, context()))


def test_kept_html_is_filled_with_the_links_and_forms_of_each_view() -> None:
    note = parse_note("n.md", b"---\ntype: note\n---\n- [ ] Call [[Ada]]\n- [x] Done\n")
    tasks = {task.line: task for task in note.tasks}

    def shown(url: str | None, token: str) -> str:
        form = TaskForm("/do/complete", (("csrf_token", token),))
        view = BodyContext(lambda link: url, note.body_line, tasks, form)
        return str(render_body(note.body, view))

    first = shown("/person/people/Ada.md", "one")
    assert '<a class="wikilink" href="/person/people/Ada.md">Ada</a>' in first
    assert 'value="one"' in first and '<input type="hidden" name="line" value="4">' in first
    second = calls(lambda: shown(None, "two"))
    assert second < 300
    again = shown(None, "two")
    assert '<span class="wikilink unresolved" title="No note named Ada">Ada</span>' in again
    assert 'value="two"' in again and 'value="one"' not in again
    moved = str(render_body(note.body, BodyContext(lambda link: None, 10, tasks)))
    assert "<li>[ ] Call" in moved  # no task on that line of this other note: shown as written


def test_a_hostile_note_shows_twice_with_almost_no_work(
    library: Library, client: FlaskClient
) -> None:
    (library.root / "notes" / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    library.sync(["notes/hostile.md"])
    first = client.get("/note/notes/hostile.md", headers=HOST)
    assert first.status_code == 200
    second = calls(lambda: client.get("/note/notes/hostile.md", headers=HOST))
    assert second < 20_000  # the page around it: about 2,600 calls here
