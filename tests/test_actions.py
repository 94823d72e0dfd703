"""The steps of a conversation: what each writes (only its lines), when each is refused, and the
undo journal that takes them back byte for byte."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iiv import actions, edit, journal
from iiv.actions import Details, change, changed_lines
from iiv.applied import Applied, apply, record_created
from iiv.errors import BadArgument, EditConflict, EditRefused, IivError, NoteNotFound
from iiv.journal import Journal, NothingToUndo, undo
from iiv.note import parse_note
from tests.helpers import make_vault

DAY = date(2026, 12, 1)
REQUESTED = (
    "---\n"
    "type: interview\n"
    'person: "[[Chiara Bianchi]]"\n'
    "status: requested  # sent by email\n"
    "medium: video\n"
    "requested: 2026-11-20\n"
    "---\n"
    "# Request to Chiara\n"
    "\n"
    "## Follow-ups\n"
    "- [ ] Send a thank-you note\n"
)
PERSON = "---\ntype: person\nname: Chiara Bianchi\nkeep_in_touch: 90\n---\n# Chiara\n"
PATH = "interviews/2026-11-20 Chiara Bianchi.md"


def step(name: str, text: str, details: Details) -> tuple[str, tuple[int, ...], str]:
    data = text.encode()
    done = change(name, parse_note(PATH, data), data, details)
    return done.after.decode(), done.lines, done.summary


def lines_changed(before: str, after: str) -> list[tuple[str, str]]:
    """(old, new) for each line that differs, the files having the same number of lines."""
    old, new = before.split("\n"), after.split("\n")
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def test_they_said_yes_writes_status_and_date_and_nothing_else() -> None:
    after, lines, summary = step("schedule", REQUESTED, Details(DAY, "14:00"))
    assert after == REQUESTED.replace(
        "status: requested  # sent by email\n", "status: scheduled  # sent by email\n"
    ).replace("requested: 2026-11-20\n", "requested: 2026-11-20\ndate: 2026-12-01 14:00\n")
    assert lines == (4, 7)
    assert summary == "Chiara Bianchi scheduled for 2026-12-01 14:00"


def test_they_said_yes_sets_medium_and_location_when_given() -> None:
    details = Details(DAY, None, "coffee", "Caffè Nero, Milan")
    after, lines, _ = step("schedule", REQUESTED, details)
    assert "medium: coffee\n" in after and "location: Caffè Nero, Milan\n" in after
    assert lines == (4, 5, 7, 8)


def test_reschedule_changes_only_the_date() -> None:
    scheduled, _, _ = step("schedule", REQUESTED, Details(DAY, "14:00"))
    after, lines, summary = step("schedule", scheduled, Details(date(2026, 12, 9), "09:30"))
    assert lines_changed(scheduled, after) == [("date: 2026-12-01 14:00", "date: 2026-12-09 09:30")]
    assert lines == (7,)
    assert summary == "Chiara Bianchi scheduled for 2026-12-09 09:30"


def test_nudged_keeps_the_requested_date() -> None:
    after, lines, summary = step("nudged", REQUESTED, Details(DAY))
    assert after == REQUESTED.replace(
        "requested: 2026-11-20\n", "requested: 2026-11-20\nnudged: 2026-12-01\n"
    )
    assert (lines, summary) == ((7,), "Chiara Bianchi nudged on 2026-12-01")


@pytest.mark.parametrize(
    ("name", "status", "summary"),
    [
        ("declined", "declined", "Chiara Bianchi declined"),
        ("no-reply", "no-reply", "Chiara Bianchi marked no-reply"),
    ],
)
def test_an_answer_or_its_absence_changes_only_the_status(
    name: str, status: str, summary: str
) -> None:
    after, lines, said = step(name, REQUESTED, Details(DAY))
    assert lines_changed(REQUESTED, after) == [
        ("status: requested  # sent by email", f"status: {status}  # sent by email")
    ]
    assert (lines, said) == ((4,), summary)


def test_cancelled_applies_to_a_scheduled_conversation() -> None:
    scheduled, _, _ = step("schedule", REQUESTED, Details(DAY))
    after, _, summary = step("cancelled", scheduled, Details(DAY))
    assert lines_changed(scheduled, after) == [
        ("status: scheduled  # sent by email", "status: cancelled  # sent by email")
    ]
    assert summary == "Conversation with Chiara Bianchi cancelled"


def test_done_adds_the_date_only_when_there_is_none() -> None:
    after, lines, _ = step("done", REQUESTED, Details(DAY))
    assert "status: done  # sent by email\n" in after and "date: 2026-12-01\n" in after
    assert lines == (4, 7)
    scheduled, _, _ = step("schedule", REQUESTED, Details(date(2026, 11, 30), "10:00"))
    after, lines, summary = step("done", scheduled, Details(DAY))
    assert "date: 2026-11-30 10:00\n" in after and lines == (4,)
    assert summary == "Conversation with Chiara Bianchi done"


def test_done_before_the_planned_day_dates_the_conversation_that_day() -> None:
    # planned for 12-10 and marked done on 12-01: it happened by then, and its thank-you is
    # due from then, not from a day to come
    scheduled, _, _ = step("schedule", REQUESTED, Details(date(2026, 12, 10), "15:30"))
    after, lines, _ = step("done", scheduled, Details(DAY))
    assert "date: 2026-12-01\n" in after and "2026-12-10" not in after
    assert lines == (4, 7)
    on_the_day, _, _ = step("done", scheduled, Details(date(2026, 12, 10)))
    assert "date: 2026-12-10 15:30\n" in on_the_day


def test_thanked_records_the_date_and_ticks_the_thank_you_task() -> None:
    done, _, _ = step("done", REQUESTED, Details(date(2026, 11, 30)))
    after, lines, summary = step("thanked", done, Details(DAY))
    assert after.endswith("- [x] Send a thank-you note ✅ 2026-12-01\n")
    assert "thanked: 2026-12-01\n---\n" in after
    assert lines == (8, 13)
    assert summary == "Chiara Bianchi thanked"


def test_request_sent_from_a_prospect() -> None:
    prospect = REQUESTED.replace("requested  # sent by email", "prospect").replace(
        "requested: 2026-11-20\n", ""
    )
    after, lines, summary = step("request", prospect, Details(DAY))
    assert "status: requested\n" in after and "requested: 2026-12-01\n---" in after
    assert lines == (4, 6)
    assert summary == "Request to Chiara Bianchi sent on 2026-12-01"


def test_contacted_records_last_contact_on_a_person() -> None:
    data = PERSON.encode()
    done = change("contacted", parse_note("people/Chiara Bianchi.md", data), data, Details(DAY))
    assert done.after.decode() == PERSON.replace("---\n#", "last_contact: 2026-12-01\n---\n#")
    assert done.summary == "Chiara Bianchi contacted on 2026-12-01"


def test_edit_saves_only_the_fields_that_changed() -> None:
    details = Details(None, None, "video", "Zoom", "Learn how the forum works")
    after, lines, summary = step("edit", REQUESTED, details)
    assert after == REQUESTED.replace(
        "requested: 2026-11-20\n",
        "requested: 2026-11-20\nlocation: Zoom\ngoal: Learn how the forum works\n",
    )
    assert (lines, summary) == ((7, 8), "Chiara Bianchi: details saved")
    cleared, lines, _ = step("edit", after, Details(DAY, "10:00", "video", "", None))
    assert lines_changed(after, cleared.replace("date: 2026-12-01 10:00\n", "")) == [
        ("location: Zoom", 'location: ""')
    ]


def test_complete_ticks_a_task_like_obsidian_tasks() -> None:
    after, lines, summary = step("complete", REQUESTED, Details(DAY, line=11))
    assert lines_changed(REQUESTED, after) == [
        ("- [ ] Send a thank-you note", "- [x] Send a thank-you note ✅ 2026-12-01")
    ]
    assert (lines, summary) == ((11,), "Done: Send a thank-you note")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "nudged",
            REQUESTED.replace("status: requested", "status: done"),
            "its status is done; nudged applies to requested conversations",
        ),
        (
            "thanked",
            REQUESTED,
            "its status is requested; thanked applies to done conversations",
        ),
        (
            "thanked",
            REQUESTED.replace("status: requested", "status: done").replace(
                "medium:", "thanked: 2026-11-21\nmedium:"
            ),
            "the thank-you is recorded already (thanked: 2026-11-21)",
        ),
        (
            "cancelled",
            REQUESTED,
            "its status is requested; cancelled applies to scheduled conversations",
        ),
        (
            "schedule",
            REQUESTED.replace("status: requested", "status: done"),
            "its status is done; schedule applies to prospect, requested, scheduled or"
            " cancelled conversations",
        ),
        (
            "contacted",
            REQUESTED,
            "contacted applies to a person note (type: person), not an interview note",
        ),
        ("complete", REQUESTED, "there is no task on that line"),
    ],
)
def test_a_step_that_does_not_apply_is_refused(name: str, text: str, message: str) -> None:
    details = Details(DAY, line=3 if name == "complete" else None)
    with pytest.raises(EditRefused) as error:
        step(name, text, details)
    assert str(error.value) == message


def test_a_step_without_its_date_is_refused() -> None:
    with pytest.raises(BadArgument, match=r"^schedule needs a date$"):
        step("schedule", REQUESTED, Details())


def test_changed_lines_counts_lines_of_the_new_file() -> None:
    assert changed_lines(b"a\nb\nc\n", b"a\nB\nc\n") == (2,)
    assert changed_lines(b"a\nc\n", b"a\nb\nc\n") == (2,)
    assert changed_lines(b"a\n", b"a\n") == ()


# On disk, with the journal


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(tmp_path, {PATH: REQUESTED, "people/Chiara Bianchi.md": PERSON})


@pytest.fixture
def book(tmp_path: Path) -> Journal:
    folder = tmp_path / "cache"
    folder.mkdir()
    return Journal(folder)


def run(vault: Path, book: Journal, name: str, details: Details) -> Applied:
    _, digest = edit.read(vault, PATH)
    return apply(vault, PATH, name, details, digest, book)


def test_apply_writes_the_step_and_journals_it(vault: Path, book: Journal) -> None:
    done = run(vault, book, "schedule", Details(DAY, "14:00"))
    assert done.to_json() == {"path": PATH, "lines": [4, 7], "undo": done.undo}
    entry = book.latest()
    assert (entry.id, entry.path, entry.summary) == (done.undo, PATH, done.summary)
    assert entry.before == REQUESTED.encode() and entry.lines == (4, 7)
    assert entry.after_hash == edit.content_hash((vault / PATH).read_bytes())


def test_apply_refuses_a_file_changed_since_it_was_read(vault: Path, book: Journal) -> None:
    _, digest = edit.read(vault, PATH)
    (vault / PATH).write_text(REQUESTED + "more\n", encoding="utf-8")
    with pytest.raises(EditConflict):
        apply(vault, PATH, "nudged", Details(DAY), digest, book)
    assert (vault / PATH).read_text(encoding="utf-8") == REQUESTED + "more\n"
    assert book.recent() == []


def test_a_refused_step_names_the_note_and_writes_nothing(vault: Path, book: Journal) -> None:
    with pytest.raises(EditRefused) as error:
        run(vault, book, "thanked", Details(DAY))
    assert str(error.value) == (
        f"{PATH}: its status is requested; thanked applies to done conversations"
    )
    assert (vault / PATH).read_text(encoding="utf-8") == REQUESTED
    assert book.recent() == []


def test_a_step_that_changes_nothing_is_not_journaled(vault: Path, book: Journal) -> None:
    run(vault, book, "schedule", Details(DAY, "14:00"))
    again = run(vault, book, "schedule", Details(DAY, "14:00"))
    assert (again.lines, again.undo) == ((), None)
    assert len(book.recent()) == 1


def test_undo_restores_the_exact_bytes(vault: Path, book: Journal) -> None:
    (vault / PATH).write_bytes(b"\xef\xbb\xbf" + REQUESTED.replace("\n", "\r\n").encode())
    before = (vault / PATH).read_bytes()
    run(vault, book, "schedule", Details(DAY, "14:00"))
    run(vault, book, "done", Details(DAY))
    assert undo(vault, book).summary == "Conversation with Chiara Bianchi done"
    assert undo(vault, book).summary == "Chiara Bianchi scheduled for 2026-12-01 14:00"
    assert (vault / PATH).read_bytes() == before
    with pytest.raises(NothingToUndo, match=r"^nothing to undo: iiv has made no change"):
        undo(vault, book)


def test_undo_refuses_when_the_file_changed_since(vault: Path, book: Journal) -> None:
    run(vault, book, "nudged", Details(DAY))
    edited = (vault / PATH).read_text(encoding="utf-8") + "A line typed in the editor.\n"
    (vault / PATH).write_text(edited, encoding="utf-8")
    with pytest.raises(EditConflict) as error:
        undo(vault, book)
    assert str(error.value) == (
        f"{PATH} changed since iiv wrote it (Chiara Bianchi nudged on 2026-12-01);"
        " nothing was undone"
    )
    assert (vault / PATH).read_text(encoding="utf-8") == edited
    assert not book.latest().undone


def test_undo_of_a_note_iiv_created_deletes_it_while_unchanged(vault: Path, book: Journal) -> None:
    rel = "people/Ada Lovelace.md"
    (vault / rel).write_text("---\ntype: person\n---\n", encoding="utf-8")
    created = record_created(vault, rel, "Ada Lovelace added", book)
    assert created.lines == (1, 2, 3)
    assert undo(vault, book, created.undo).summary == "Ada Lovelace added"
    assert not (vault / rel).exists()
    with pytest.raises(NothingToUndo, match=r"was undone already$"):
        undo(vault, book, created.undo)


def test_undo_of_a_deleted_note_says_it_is_gone(vault: Path, book: Journal) -> None:
    run(vault, book, "nudged", Details(DAY))
    (vault / PATH).unlink()
    with pytest.raises(NoteNotFound, match=r"is gone; nothing was undone$"):
        undo(vault, book)


def test_the_journal_keeps_the_newest_entries(
    vault: Path, book: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "MAX_ENTRIES", 3)
    ids = [book.record(PATH, f"change {n}", b"x", "h", (1,)) for n in range(5)]
    assert [entry.id for entry in book.recent()] == ids[:1:-1]
    monkeypatch.setattr(journal, "MAX_BYTES", 10)
    book.record(PATH, "big", b"y" * 8, "h", (1,))
    book.record(PATH, "bigger", b"z" * 20, "h", (1,))
    assert [entry.summary for entry in book.recent()] == ["bigger"]


def test_a_damaged_journal_is_one_clear_error(book: Journal) -> None:
    book.path.write_bytes(b"not a database" * 100)
    with pytest.raises(Exception) as error:
        book.recent()
    assert not isinstance(error.value, sqlite3.Error)
    assert str(error.value) == (
        f"the undo journal {book.path} cannot be used: file is not a database; delete it to"
        " start a new one (what it holds can then no longer be undone)"
    )


def test_a_step_is_not_made_when_the_journal_cannot_record_it(vault: Path, book: Journal) -> None:
    book.path.write_bytes(b"not a database" * 100)
    before = (vault / PATH).read_bytes()
    with pytest.raises(IivError, match="cannot be used"):
        apply(vault, PATH, "nudged", Details(DAY), edit.content_hash(before), book)
    assert (vault / PATH).read_bytes() == before


# Any sequence of steps and undos: each undo puts back the exact bytes.

STARTS = [
    REQUESTED,
    REQUESTED.replace("\n", "\r\n"),
    "\ufeff" + REQUESTED.replace("status: requested  # sent by email", "status: prospect"),
    REQUESTED.rstrip("\n"),
    REQUESTED.replace("medium: video\n", "medium: 'video'   # or a call\nlocation:\n"),
]
STEP = st.builds(
    Details,
    day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    time=st.sampled_from([None, "09:30", "14:00"]),
    medium=st.sampled_from([None, "", "video", "coffee"]),
    location=st.sampled_from([None, "Lisbon", "The café, by the  river"]),
    goal=st.sampled_from([None, "", "Learn how she got there"]),
    line=st.just(11),  # the task's line, for complete and snooze
    days=st.sampled_from([None, 1, 7]),
    answered=st.sampled_from([None, DAY]),
)
MOVES = st.lists(
    st.one_of(
        st.just(("undo", Details())),
        st.tuples(st.sampled_from(sorted(set(actions.STEPS) - {"contacted"})), STEP),
    ),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=st.sampled_from(STARTS), moves=MOVES)
def test_every_undo_restores_the_exact_bytes(
    tmp_path: Path, start: str, moves: list[tuple[str, Details]]
) -> None:
    root = make_vault(tmp_path, {PATH: start.encode("utf-8")})
    folder = tmp_path / "cache"
    folder.mkdir(exist_ok=True)
    (folder / journal.JOURNAL_FILE).unlink(missing_ok=True)
    book = Journal(folder)
    stack: list[bytes] = []  # the bytes before each change not undone yet
    for name, details in moves:
        current = (root / PATH).read_bytes()
        if name == "undo":
            if stack:
                undo(root, book)
                assert (root / PATH).read_bytes() == stack.pop()
            continue
        try:
            done = apply(root, PATH, name, details, edit.content_hash(current), book)
        except (EditRefused, BadArgument):
            assert (root / PATH).read_bytes() == current
            continue
        if done.undo is not None:
            stack.append(current)
    while stack:
        undo(root, book)
        assert (root / PATH).read_bytes() == stack.pop()
    assert (root / PATH).read_bytes() == start.encode("utf-8")
