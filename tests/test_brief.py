"""The brief: a golden file on vault-example, TIARA grouping, `iiv brief` and `/brief`."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from click.testing import CliRunner
from flask.testing import FlaskClient

from iiv.brief import BUILT_IN_BANK, CLOSING, suggestions, tiara_group
from iiv.cli import cli
from tests.helpers import EXAMPLE, make_vault
from tests.web_helpers import get, text

VISIT = "interviews/2026-12-03 Kenji Watanabe and Amara Okafor.md"
GOLDEN = Path(__file__).parent / "briefs" / "kenji-and-amara-visit.md"
# IIV_UPDATE_GOLDEN=1 rewrites the expected file; read the diff before keeping it.
UPDATE = os.environ.get("IIV_UPDATE_GOLDEN") == "1"


def test_the_brief_of_the_example_visit_matches_the_golden_file() -> None:
    result = CliRunner().invoke(cli, ["brief", VISIT, "--vault", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    if UPDATE:
        GOLDEN.write_text(result.output, encoding="utf-8")
    assert result.output == GOLDEN.read_text(encoding="utf-8")


def test_bank_questions_are_grouped_by_heading_else_by_their_words() -> None:
    assert tiara_group("Trends in the field", "Anything?") == "Trends"
    assert tiara_group("Opening", "Which books do you read?") == "Resources"
    assert tiara_group(None, "What does a typical week look like?") == "Insights"
    assert tiara_group(None, "Hello?") is None


def test_suggestions_fill_empty_groups_from_the_built_in_bank_and_skip_the_closing() -> None:
    found = dict(
        suggestions(
            [
                ("Advice", "What would you do in my place?"),
                ("Closing", "Who else should I talk to?"),
            ]
        )
    )
    assert found["Advice"] == ("What would you do in my place?",)
    assert found["Trends"] == BUILT_IN_BANK["Trends"]
    assert not any("Who else" in q for qs in found.values() for q in qs)


def test_a_vault_without_a_bank_gets_the_built_in_one(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": "---\ntype: person\nrole: Analyst\n---\n",
            "interviews/visit.md": '---\ntype: interview\nperson: "[[Ada]]"\nstatus: scheduled\n'
            "date: 2026-12-03\n---\n## Questions\n- How do engines think?\n",
        },
    )
    result = CliRunner().invoke(cli, ["brief", "interviews/visit.md", "--vault", str(root)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "## [[Ada]]: Analyst\n" in out
    assert "### Yours\n\n1. How do engines think?\n" in out
    for group, questions in BUILT_IN_BANK.items():
        assert f"### {group}\n\n- {questions[0]}\n- {questions[1]}\n" in out
    assert out.endswith(f"### To close\n\n- {CLOSING}\n")
    assert "## Earlier conversations\n\nNone: this is the first.\n" in out


def test_iiv_brief_refuses_a_note_that_is_not_an_interview() -> None:
    result = CliRunner().invoke(cli, ["brief", "people/Sam Ortiz.md", "--vault", str(EXAMPLE)])
    assert (result.exit_code, result.output) == (
        1,
        "Error: people/Sam Ortiz.md: a brief is for an interview note (type: interview)\n",
    )


def test_the_brief_page_renders_the_same_brief_with_links(client: FlaskClient) -> None:
    page = text(get(client, f"/brief/{quote(VISIT)}"))
    assert "<h1>Brief: 2026-12-03 Kenji Watanabe and Amara Okafor</h1>" in page
    assert 'href="/person/people/Kenji%20Watanabe.md">Kenji Watanabe</a>' in page
    assert ">Earlier conversations</h3>" in page
    assert CLOSING in page
    assert get(client, "/brief/people/Sam%20Ortiz.md").status_code == 404
