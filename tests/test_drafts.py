"""Message drafts: templates and placeholders, the built-in ones against the six points,
`iiv draft`, the `mailto:` link, and the Draft pages of the dashboard."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from iiv.cli import cli
from iiv.mailto import mailto_url
from iiv.messages import BUILT_IN, KINDS, draft, fill, first_name, parse_template
from iiv.vault import load
from tests.helpers import EXAMPLE, make_vault
from tests.web_helpers import get, text

OLUWASEUN = "interviews/2026-11-05 Oluwaseun Adeyemi.md"
LUCIA = "interviews/2026-11-28 Lucía Fernández.md"
DAY = date(2026, 12, 1)
ADA = (
    "---\ntype: person\nname: Dr. Ada Lovelace\ncompany: Analytical Engines\nrole: Analyst\n"
    'email: ada@engines.example\nintroduced_by: "[[Charles Babbage]]"\n---\n'
)
CHARLES = "---\ntype: person\nname: Charles Babbage\nemail: charles@engines.example\n---\n"
ASK = (
    '---\ntype: interview\nperson: "[[Dr. Ada Lovelace]]"\nstatus: done\ndate: 2026-11-28\n'
    "medium: coffee\ngoal: Learn how mathematics becomes programming\n---\n"
    "## Takeaways\n- Write in public.\n- Annotate other people's papers\n"
)


def test_first_names_come_from_the_name_parser() -> None:
    assert [first_name(n) for n in ("Dr. Amara Okafor", "Lucía Fernández", "Sam", "李小龙")] == [
        "Amara",
        "Lucía",
        "Sam",
        "李小龙",
    ]


def test_a_template_is_a_subject_line_then_the_body() -> None:
    template = parse_template("Subject: Hello {{name}}\n\nHi {{first_name}},\nbye\n")
    assert (template.subject, template.body) == ("Hello {{name}}", "Hi {{first_name}},\nbye\n")
    assert parse_template("Just a body\n").subject == ""


def test_missing_values_show_in_brackets_and_unknown_placeholders_stay() -> None:
    filled = fill("{{name}} at {{company}} {{nope}}", {"name": "Ada", "company": None})
    assert filled == "Ada at [company] {{nope}}"


def test_the_built_in_request_passes_all_six_points_on_the_example_vault() -> None:
    vault = load(EXAMPLE)
    message = draft(
        vault, vault.notes[OLUWASEUN], "request", BUILT_IN["request"], DAY, vault.config
    )
    assert [(c.name, c.ok) for c in message.checks] == [
        ("short", True),
        ("question", True),
        ("connection", True),
        ("no-job", True),
        ("about-them", True),
        ("interest", True),
    ]
    assert message.body.startswith(
        "Hi Oluwaseun,\n\nI found you through his conference talk on drone SDK onboarding"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_every_built_in_draft_renders_on_the_example_vault(kind: str) -> None:
    vault = load(EXAMPLE)
    message = draft(vault, vault.notes[LUCIA], kind, BUILT_IN[kind], DAY, vault.config)
    assert "{{" not in message.subject + message.body
    assert all(check.ok for check in message.checks), message.checks


def test_a_report_back_goes_to_whoever_introduced_them(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": ADA,
            "people/Charles Babbage.md": CHARLES,
            "interviews/ask.md": ASK,
            "iiv.yaml": "me: Sam Rivera\n",
        },
    )
    vault = load(root)
    message = draft(
        vault,
        vault.notes["interviews/ask.md"],
        "report-back",
        BUILT_IN["report-back"],
        DAY,
        vault.config,
    )
    assert (message.to, message.subject) == (
        "charles@engines.example",
        "Ada and I spoke: thank you",
    )
    assert message.body == (
        "Hi Charles,\n\nThank you again for introducing me to Dr. Ada Lovelace. We spoke on"
        " 28 November, and your introduction made it an easy start. What stays with me most:"
        " Write in public.\n\nI will keep you posted on what comes of it.\n\nSam Rivera\n"
    )


def test_the_vaults_own_template_is_used(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": ADA,
            "people/Charles Babbage.md": CHARLES,
            "interviews/ask.md": ASK,
            "templates/messages/thank-you.md": "Subject: Thanks, {{first_name}}!\n\n"
            "{{first_name}}, thank you for the {{medium}} on {{date}}. {{me}}\n",
        },
    )
    result = CliRunner().invoke(
        cli, ["draft", "thank-you", "interviews/ask.md", "--vault", str(root), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "subject": "Thanks, Ada!",
        "body": "Ada, thank you for the coffee on 28 November. [me]\n",
        "to": "ada@engines.example",
        "checks": [
            {"name": "short", "ok": True, "why": "10 words: under 75, quick to read"},
            {
                "name": "no-job",
                "ok": True,
                "why": "no job words: it asks for insight and advice, not a job",
            },
        ],
    }


def test_iiv_draft_prints_the_message_and_its_checks() -> None:
    result = CliRunner().invoke(cli, ["draft", "nudge", OLUWASEUN, "--vault", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == [
        "To: (no email: add email: to their note)",
        "Subject: Re: A question about your work at Kestrel Dynamics",
        "",
        "Hi Oluwaseun,",
    ]
    assert lines[-4:] == [
        "Checks (3 of 3 pass):",
        "  ✔ short: 57 words: under 75, quick to read",
        "  ✔ question: the ask is a question:"
        " “Would 20 minutes in the next few weeks work for you?”",
        "  ✔ no-job: no job words: it asks for insight and advice, not a job",
    ]


def test_iiv_draft_refuses_in_one_line() -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["draft", "nudge", "nope.md", "--vault", str(EXAMPLE)])
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: nope.md: no such note in this vault\n",
    )
    nobody = runner.invoke(cli, ["draft", "report-back", OLUWASEUN, "--vault", str(EXAMPLE)])
    assert nobody.output == (
        f"Error: {OLUWASEUN}: nobody introduced Oluwaseun Adeyemi (no introduced_by:)\n"
    )


def mailto_fields(link: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    return unquote(parts.path), parse_qs(parts.query, keep_blank_values=True)


def test_a_crafted_address_cannot_add_headers() -> None:
    link = mailto_url("a@x?bcc=spy@evil&subject=hi", "Hi & bye?", "One\nTwo +%")
    assert link is not None
    to, fields = mailto_fields(link)
    assert to == "a@x?bcc=spy@evil&subject=hi"
    assert link.startswith("mailto:a@x%3Fbcc%3Dspy@evil%26subject%3Dhi?")
    assert fields == {"subject": ["Hi & bye?"], "body": ["One\r\nTwo +%"]}


def test_the_draft_page_has_the_text_the_checks_and_a_mailto_link(client: FlaskClient) -> None:
    page = text(get(client, f"/draft/thank-you/{quote(LUCIA)}?today=2026-12-01"))
    assert "Thank-you to Lucía Fernández" in page
    assert "2 of 2 pass." in page
    [href] = [part.split('"', 1)[0] for part in page.split('href="mailto:')[1:]]
    to, fields = mailto_fields("mailto:" + href.replace("&amp;", "&"))
    assert to == "lucia@fernandez-docs.example"
    assert sorted(fields) == ["body", "subject"]
    assert fields["subject"] == ["Thank you, Lucía"]
    assert fields["body"][0].startswith("Hi Lucía,\r\n\r\nThank you for the video on 28 November")


def test_today_offers_a_draft_for_the_thank_you(client: FlaskClient) -> None:
    page = text(get(client, "/?today=2026-12-01"))
    assert f'href="/draft/thank-you/{quote(LUCIA)}"' in page


def test_a_draft_of_a_note_that_is_not_an_interview_or_person_is_404(client: FlaskClient) -> None:
    assert get(client, "/draft/request/Welcome.md").status_code == 404
    assert get(client, f"/draft/letter/{quote(LUCIA)}").status_code == 404


def test_without_an_address_the_draft_has_no_mailto_link(client: FlaskClient) -> None:
    page = text(get(client, f"/draft/nudge/{quote(OLUWASEUN)}"))
    assert "mailto:" not in page
    assert "No email address in their note: copy the text." in page
