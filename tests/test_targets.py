"""The LAMP list: ranking (pure), employers from company notes and people, `iiv targets`, and
`/targets` with scores set in place through the safe edit."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient

from iiv.cli import cli
from iiv.targets import Target, parallel_requests, rank, targets
from iiv.vault import load
from tests.helpers import make_vault
from tests.web_helpers import get, post, post_forms, text

PERSON = "---\ntype: person\ncompany: {company}\n---\n"


def names(ranked: list[Target]) -> list[str]:
    return [target.name for target in ranked]


def test_rank_sorts_by_motivation_then_posting_then_advocacy() -> None:
    ranked = rank(
        [
            Target("Low motivation", None, 1, 3, ("a.md",)),
            Target("No advocate", None, 3, 2, ()),
            Target("Advocate", None, 3, 2, ("b.md",)),
            Target("Best posting", None, 3, 3, ()),
            Target("Unscored", None, None, None, ("c.md",)),
            Target("Motivated, no posting score", None, 2, None, ()),
        ]
    )
    assert names(ranked) == [
        "Best posting",
        "Advocate",
        "No advocate",
        "Motivated, no posting score",
        "Low motivation",
        "Unscored",
    ]
    assert [t.rank for t in ranked] == [1, 2, 3, 4, 5, 6]


def test_the_batch_is_the_top_five_scored() -> None:
    ranked = rank([Target(f"E{i}", None, 3, 3) for i in range(6)] + [Target("U", None, None, 1)])
    assert [t.batch for t in ranked] == [True] * 5 + [False, False]
    assert [t.batch for t in rank([Target("U", None, None, None)])] == [False]


def test_ties_are_broken_by_name_whatever_the_case() -> None:
    assert names(rank([Target("beta", None, 2, 2), Target("Alpha", None, 2, 2)])) == [
        "Alpha",
        "beta",
    ]


def test_employers_come_from_company_notes_and_peoples_company(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "companies/Northwind.md": "---\ntype: company\nname: Northwind Robotics\n"
            "aliases: [Northwind]\nmotivation: 3\nposting: 2\n---\n",
            "companies/Dream Co.md": "---\ntype: Company\nmotivation: 2\n---\n",
            "people/Ada.md": PERSON.format(company="Northwind"),
            "people/Bob.md": PERSON.format(company="northwind  robotics"),
            "people/Cy.md": PERSON.format(company="Quarry DB"),
            "interviews/a.md": '---\ntype: interview\nperson: "[[Ada]]"\nstatus: requested\n'
            "requested: 2026-11-20\n---\n",
            "interviews/b.md": '---\ntype: interview\nperson: "[[Bob]]"\nstatus: requested\n'
            "requested: 2026-11-18\n---\n",
        },
    )
    vault = load(root)
    ranked = targets(vault)
    assert [(t.name, t.note, t.motivation, t.posting, t.advocacy) for t in ranked] == [
        ("Northwind Robotics", "companies/Northwind.md", 3, 2, True),
        ("Dream Co", "companies/Dream Co.md", 2, None, False),
        ("Quarry DB", None, None, None, True),
    ]
    assert ranked[0].people == ("people/Ada.md", "people/Bob.md")
    assert ranked[0].open_requests == ("interviews/a.md", "interviews/b.md")
    assert parallel_requests(vault) == {
        "Northwind Robotics": ["interviews/b.md", "interviews/a.md"]
    }


def test_a_bad_score_is_a_problem_with_its_line(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path, {"companies/X.md": "---\ntype: company\nmotivation: high\nposting: 4\n---\n"}
    )
    assert [str(p) for p in load(root).problems] == [
        "companies/X.md:3: motivation: expected a whole number from 0 to 3, got 'high'",
        "companies/X.md:4: posting: expected a whole number from 1 to 3, got '4'",
    ]
    assert [(t.motivation, t.posting) for t in targets(load(root))] == [(None, None)]


def test_iiv_targets_prints_the_ranked_list(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "companies/A.md": "---\ntype: company\nname: Acme\nmotivation: 3\nposting: 1\n---\n",
            "people/Ada.md": PERSON.format(company="Quarry DB"),
        },
    )
    result = CliRunner().invoke(cli, ["targets", "--vault", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2 employers, ranked by Motivation, Posting and Advocacy; the top 5 are this batch."
        " The method suggests 40 or more.",
        "",
        "   #  A  M  P  Employer",
        "*  1  N  3  1  Acme",
        "   2  Y  -  -  Quarry DB                  1 person",
    ]
    data = json.loads(CliRunner().invoke(cli, ["targets", "--vault", str(root), "--json"]).output)
    assert data["items"][1] == {
        "rank": 2,
        "company": "Quarry DB",
        "note": None,
        "motivation": None,
        "posting": None,
        "advocacy": True,
        "batch": False,
        "people": [{"path": "people/Ada.md", "name": "Ada", "role": None}],
        "open_requests": [],
    }


def score_form(client: FlaskClient, company: str) -> tuple[str, dict[str, str]]:
    for form in post_forms(text(get(client, "/targets"))):
        if form.fields.get("company") == company:
            return form.action, dict(form.fields)
    raise AssertionError(f"no score form for {company}")


def test_targets_page_lists_every_employer_and_the_batch(client: FlaskClient) -> None:
    page = text(get(client, "/targets"))
    assert "Northwind Robotics" in page
    assert "The method suggests 40 employers or more" in page


def test_scoring_a_company_note_changes_one_line_each(client: FlaskClient, vault: Path) -> None:
    note = vault / "notes/Northwind Robotics.md"
    before = note.read_text(encoding="utf-8").splitlines()
    action, data = score_form(client, "Northwind Robotics")
    response = post(client, action, {**data, "motivation": "1", "posting": ""})
    assert response.status_code == 303
    after = note.read_text(encoding="utf-8").splitlines()
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        ("motivation: 3", "motivation: 1")
    ]


def test_scoring_an_employer_without_a_note_creates_one_from_the_template(
    client: FlaskClient, vault: Path
) -> None:
    action, data = score_form(client, "Carvalho Chairs")
    created = vault / "companies/Carvalho Chairs.md"
    assert post(client, action, {**data, "motivation": "", "posting": ""}).status_code == 303
    assert not created.exists()  # nothing set, nothing written
    assert post(client, action, {**data, "motivation": "3", "posting": "3"}).status_code == 303
    written = created.read_text(encoding="utf-8")
    assert written.startswith("---\ntype: company\nname: Carvalho Chairs\n")
    assert "\nmotivation: 3\nposting: 3\n" in written
    scored = {t.name: (t.motivation, t.posting) for t in targets(load(vault))}
    assert scored["Carvalho Chairs"] == (3, 3)


def test_a_score_out_of_range_is_refused_and_nothing_is_written(
    client: FlaskClient, vault: Path
) -> None:
    action, data = score_form(client, "Carvalho Chairs")
    response = post(client, action, {**data, "motivation": "7"})
    assert response.status_code == 400
    assert "motivation: expected a whole number from 0 to 3, got &#39;7&#39;" in text(response)
    assert not (vault / "companies/Carvalho Chairs.md").exists()


def test_today_points_out_two_requests_waiting_at_one_employer(tmp_path: Path) -> None:
    from iiv.library import Library
    from iiv.web import create_app
    from iiv.web.security import WebSettings

    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": PERSON.format(company="Northwind"),
            "people/Bob.md": PERSON.format(company="Northwind"),
            "interviews/ask ada.md": '---\ntype: interview\nperson: "[[Ada]]"\n'
            "status: requested\nrequested: 2026-11-20\n---\n",
            "interviews/ask bob.md": '---\ntype: interview\nperson: "[[Bob]]"\n'
            "status: requested\nrequested: 2026-11-23\n---\n",
        },
    )
    library = Library.open(root, tmp_path / "index")
    try:
        library.sync()
        client = create_app(library, WebSettings(port=8765)).test_client()
        page = text(get(client, "/?today=2026-12-01"))
    finally:
        library.close()
    assert "2 requests are waiting at Northwind at once: " in page
    assert page.index("ask ada</a>") < page.index("ask bob</a>")
    assert "The method asks one person at a time at each employer" in page


def test_a_score_is_confirmed_and_undone_to_the_exact_bytes(
    client: FlaskClient, vault: Path
) -> None:
    note = vault / "notes/Northwind Robotics.md"
    before = note.read_bytes()
    action, data = score_form(client, "Northwind Robotics")
    assert post(client, action, {**data, "motivation": "2", "posting": "3"}).status_code == 303
    assert b"motivation: 2\n" in note.read_bytes() and b"posting: 3\n" in note.read_bytes()
    page = text(get(client, "/targets"))
    assert "Northwind Robotics: motivation 2, posting 3" in page
    [undo] = [f for f in post_forms(page) if f.action == "/do/undo"]
    assert post(client, undo.action, undo.fields).status_code == 303
    assert note.read_bytes() == before
