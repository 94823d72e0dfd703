"""The practice's numbers (pure, on vault-example), `iiv stats`, and `/practice`'s charts."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient

from iiv.cli import cli
from iiv.practice import Introduction, Rate, Speed, report
from iiv.vault import load
from tests.helpers import EXAMPLE, make_vault
from tests.web_helpers import get, text

DAY = date(2026, 12, 1)


def test_reply_speed_counts_business_days_from_request_to_answer(tmp_path: Path) -> None:
    def ask(requested: str, status: str, answered: str = "") -> str:
        line = f"answered: {answered}\n" if answered else ""
        return f"---\ntype: interview\nstatus: {status}\nrequested: {requested}\n{line}---\n"

    root = make_vault(
        tmp_path,
        {
            # Friday 20 November: Wednesday 25 is the 3rd business day, Thursday 26 the 4th
            "a.md": ask("2026-11-20", "scheduled", "2026-11-25"),
            "b.md": ask("2026-11-20", "declined", "2026-11-26"),
            "c.md": ask("2026-11-20", "no-reply"),
            "d.md": ask("2026-11-20", "requested"),
            "e.md": ask("2026-11-20", "done"),
        },
    )
    assert report(load(root), DAY).speed == Speed(1, 1, 1, 1, 1)


def test_the_numbers_of_the_example_vault() -> None:
    numbers = report(load(EXAMPLE), DAY)
    assert (numbers.stats.requests, numbers.stats.answers, numbers.reply_rate) == (17, 13, 76)
    assert numbers.speed == Speed(boosters=10, obligates=3, curmudgeons=1, unknown=0, waiting=3)
    assert numbers.funnel == (
        ("prospects", 24),
        ("requests", 17),
        ("answers", 13),
        ("conversations", 15),
        ("thank-yous", 14),
        ("referrals", 4),
    )
    assert [m.month for m in numbers.months] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert [(m.requests, m.conversations) for m in numbers.months][-3:] == [(2, 2), (4, 1), (0, 0)]
    assert numbers.by_medium[0] == Rate("video", 11, 7)
    assert numbers.by_company[0] == Rate("Northwind Robotics", 6, 5)
    assert numbers.introductions == (
        Introduction(
            "Sam Ortiz",
            "people/Sam Ortiz.md",
            (
                Introduction(
                    "Amara Okafor",
                    "people/Amara Okafor.md",
                    (
                        Introduction(
                            "Kenji Watanabe",
                            "people/Kenji Watanabe.md",
                            (Introduction("Lucía Fernández", "people/Lucía Fernández.md"),),
                        ),
                    ),
                ),
            ),
        ),
        Introduction(
            "Tomasz Wójcik",
            "people/Tomasz Wójcik.md",
            (Introduction("Ines Carvalho", "people/Ines Carvalho.md"),),
        ),
    )


def test_a_circle_of_introductions_is_drawn_once(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "A.md": '---\ntype: person\nintroduced_by: "[[B]]"\n---\n',
            "B.md": '---\ntype: person\nintroduced_by: "[[A]]"\n---\n',
        },
    )
    assert report(load(root), DAY).introductions == (
        Introduction("A", "A.md", (Introduction("B", "B.md"),)),
    )


def test_iiv_stats_json_has_the_documented_shape() -> None:
    result = CliRunner().invoke(
        cli, ["stats", "--vault", str(EXAMPLE), "--today", "2026-12-01", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == [
        "today",
        "requests",
        "answers",
        "accepted",
        "reply_rate",
        "normal_reply_rate",
        "acceptance",
        "speed",
        "funnel",
        "by_source",
        "by_medium",
        "by_company",
        "months",
        "done_this_month",
        "monthly_goal",
        "streak",
        "introductions",
    ]
    assert data["speed"] == {
        "boosters": 10,
        "obligates": 3,
        "curmudgeons": 1,
        "unknown": 0,
        "waiting": 3,
    }
    assert data["by_source"][0] == {
        "name": "introduction",
        "requests": 5,
        "answers": 5,
        "rate": 100,
    }


def test_iiv_stats_prints_the_numbers_in_words() -> None:
    result = CliRunner().invoke(cli, ["stats", "--vault", str(EXAMPLE), "--today", "2026-12-01"])
    assert result.output.splitlines()[:4] == [
        "Requests: 17 sent, 13 answered (reply rate 76%; the method calls 20–40% normal), 12 yes",
        "Reply speed: 10 Boosters (within 3 business days), 3 Obligates (later),"
        " 1 Curmudgeons (never), 3 waiting",
        "Funnel: 24 prospects → 17 requests → 13 answers → 15 conversations → 14 thank-yous"
        " → 4 referrals",
        "This month: 0 of 2 conversations; streak: 4 months",
    ]


def test_the_practice_page_draws_svg_charts_with_the_numbers_in_text(
    client: FlaskClient,
) -> None:
    html = text(get(client, "/practice?today=2026-12-01"))
    assert html.count("<svg ") == 4
    assert "<script" not in html.split("</head>", 1)[1]
    descriptions = re.findall(r'<desc id="[^"]+">([^<]*)</desc>', html)
    assert descriptions[0] == "76% of requests answered; the method calls 20–40% normal"
    assert descriptions[1].startswith("Boosters: 10 (answered within 3 business days)")
    assert descriptions[2] == (
        "prospects: 24; requests: 17; answers: 13; conversations: 15; thank-yous: 14; referrals: 4"
    )
    assert "2026-11: 4 requests, 1 conversations" in descriptions[3]
    assert "<title>Boosters: 10</title>" in html
    assert "17 requests sent, 13 answered: a reply rate of 76%." in html
