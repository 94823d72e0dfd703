"""The debrief: parsing what was typed, adding lines to sections (pure), `iiv debrief` in the
terminal, and the form on a done interview's page. Lines are added; nothing is rewritten."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from iiv.cli import cli
from iiv.debrief import Debrief, Promise, Suggested, parse, with_debrief
from iiv.errors import BadArgument
from iiv.patch import with_lines_in_section
from tests.helpers import EXAMPLE
from tests.web_helpers import get, post, post_forms, text

DAY = date(2026, 12, 1)
LUCIA = "interviews/2026-11-28 Lucía Fernández.md"
NOTE = (
    "---\ntype: interview\nstatus: done\n---\n# Coffee\n\n## Takeaways\n- One\n\n"
    "## Follow-ups\n- [ ] Old task\n"
)


def test_parse_reads_one_item_a_line() -> None:
    found = parse(
        "- Write in public\n\n  Lead with the failure  \n",
        "Priya Nair, Harbour Maps\n* Sam\n",
        "Send the article by 2026-12-05\nIntroduce her to Grace\n- [ ] Call 📅 2026-12-09\n",
        DAY,
    )
    assert found == Debrief(
        takeaways=("Write in public", "Lead with the failure"),
        people=(Suggested("Priya Nair", "Harbour Maps"), Suggested("Sam", None)),
        promises=(
            Promise("Send the article", date(2026, 12, 5)),
            Promise("Introduce her to Grace", DAY + timedelta(days=7)),
            Promise("Call", date(2026, 12, 9)),
        ),
    )


@pytest.mark.parametrize(
    ("promises", "message"),
    [
        ("Send it by 2026-02-30", "promises: 2026-02-30 is not a real date"),
        ("by 2026-12-05", "promises: 'by 2026-12-05' says when but not what"),
        ("x" * 301, "promises: a line is longer than 300 characters"),
        ("a\n" * 21, "promises: at most 20 lines at once, got 21"),
    ],
)
def test_parse_refuses_in_one_line(promises: str, message: str) -> None:
    with pytest.raises(BadArgument) as raised:
        parse("", "", promises, DAY)
    assert str(raised.value) == message


def test_lines_go_at_the_end_of_their_section_and_nothing_else_changes() -> None:
    found = Debrief(("Two",), (), (Promise("New task", date(2026, 12, 5)),))
    after = with_debrief(NOTE.encode(), found).decode()
    assert after == (
        "---\ntype: interview\nstatus: done\n---\n# Coffee\n\n## Takeaways\n- One\n- Two\n\n"
        "## Follow-ups\n- [ ] Old task\n- [ ] New task 📅 2026-12-05\n"
    )


def test_a_missing_section_is_added_at_the_end_keeping_crlf_and_no_final_newline() -> None:
    data = b"---\r\ntype: interview\r\n---\r\n# Call\r\nNotes"
    assert with_lines_in_section(data, "Takeaways", ["- A"]) == (
        b"---\r\ntype: interview\r\n---\r\n# Call\r\nNotes\r\n\r\n## Takeaways\r\n- A\r\n"
    )


def test_a_heading_in_a_code_block_or_the_front_matter_is_not_a_section() -> None:
    data = b"---\n# Takeaways: a comment\n---\n```\n## Takeaways\n```\n"
    assert with_lines_in_section(data, "Takeaways", ["- A"]).endswith(
        b"```\n## Takeaways\n```\n\n## Takeaways\n- A\n"
    )


def test_iiv_debrief_asks_in_the_terminal_and_writes(example_vault: Path, tmp_path: Path) -> None:
    before = (example_vault / LUCIA).read_text(encoding="utf-8").splitlines()
    answers = (
        "Write in public\n\nPriya Nair, Harbour Maps\nKenji Watanabe\n\n"
        "Send Lucía the draft 2026-12-05\n\n"
    )
    result = CliRunner().invoke(
        cli,
        ["debrief", LUCIA, "--vault", str(example_vault), "--index-dir", str(tmp_path / "i")],
        input=answers,
    )
    assert result.exit_code == 0, result.output
    assert f"added to {LUCIA}: lines 48, 55\n" in result.output
    assert result.output.splitlines()[-4:] == [
        "created people/Priya Nair.md",
        f"created interviews/{date.today()} Priya Nair.md",
        "Kenji Watanabe: already in the vault, nothing created",
        "The thank-you is due 2026-11-29: iiv draft thank-you NOTE drafts it.",
    ]
    after = (example_vault / LUCIA).read_text(encoding="utf-8").splitlines()
    assert [line for line in after if line not in before] == [
        "- Write in public",
        "- [ ] Send Lucía the draft 📅 2026-12-05",
    ]
    assert len(after) == len(before) + 2
    person = (example_vault / "people/Priya Nair.md").read_text(encoding="utf-8")
    assert 'introduced_by: "[[Lucía Fernández]]"' in person
    assert "company: Harbour Maps" in person


def test_iiv_debrief_refuses_a_conversation_not_done() -> None:
    result = CliRunner().invoke(
        cli, ["debrief", "interviews/2026-11-20 Chiara Bianchi.md", "--vault", str(EXAMPLE)]
    )
    assert (result.exit_code, result.output) == (
        1,
        "Error: interviews/2026-11-20 Chiara Bianchi.md: debrief a conversation once it is done"
        " (status: done)\n",
    )


def debrief_form(client: FlaskClient) -> tuple[str, dict[str, str]]:
    page = text(get(client, f"/interview/{quote(LUCIA)}"))
    [form] = [f for f in post_forms(page) if f.action == "/do/debrief"]
    return form.action, dict(form.fields)


def test_the_debrief_form_appends_lines_and_creates_prospects(
    client: FlaskClient, vault: Path
) -> None:
    files = {p: p.read_bytes() for p in vault.rglob("*.md")}
    action, data = debrief_form(client)
    data |= {"takeaways": "Write in public", "people": "Priya Nair, Harbour Maps", "promises": ""}
    response = post(client, action, data)
    assert response.status_code == 303
    changed = {p for p, before in files.items() if p.read_bytes() != before}
    assert changed == {vault / LUCIA}
    created = {p.relative_to(vault).as_posix() for p in vault.rglob("*.md")} - {
        p.relative_to(vault).as_posix() for p in files
    }
    assert created == {"people/Priya Nair.md", f"interviews/{date.today()} Priya Nair.md"}
    prospect = (vault / f"interviews/{date.today()} Priya Nair.md").read_text(encoding="utf-8")
    assert "status: prospect" in prospect and 'person: "[[Priya Nair]]"' in prospect
    page = text(get(client, f"/interview/{quote(LUCIA)}"))
    assert "Debrief recorded: 1 line added; 1 prospect created" in page


def test_the_debrief_form_is_only_on_a_done_conversation(client: FlaskClient) -> None:
    page = text(get(client, f"/interview/{quote('interviews/2026-11-20 Chiara Bianchi.md')}"))
    assert "/do/debrief" not in page


def test_a_debrief_of_a_changed_note_writes_nothing(client: FlaskClient, vault: Path) -> None:
    action, data = debrief_form(client)
    (vault / LUCIA).write_text((vault / LUCIA).read_text(encoding="utf-8") + "\nmore\n")
    files = {p: p.read_bytes() for p in vault.rglob("*.md")}
    response = post(client, action, {**data, "takeaways": "x", "people": "New Person"})
    assert response.status_code == 409
    assert {p: p.read_bytes() for p in vault.rglob("*.md")} == files
