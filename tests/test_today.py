"""Today keeps what it derives from a snapshot: it must follow every change all the same."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from iiv.library import Library
from iiv.practice import practice_stats, practice_totals
from iiv.vault import load
from iiv.web import create_app
from iiv.web.security import WebSettings
from tests.helpers import EXAMPLE, make_vault

HOST = "127.0.0.1:8765"
DAY = "2026-12-01"
ADA = "---\ntype: person\nname: Ada Byron\nkeep_in_touch: 30\nlast_contact: 2026-10-01\n---\n"


def interview(status: str, day: str, person: str = "Ada Byron", extra: str = "") -> str:
    return (
        f'---\ntype: interview\nperson: "[[{person}]]"\ndate: {day}\nstatus: {status}\n{extra}---\n'
    )


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path,
        {
            "people/Ada Byron.md": ADA,
            "interviews/2026-11-10 Ada Byron.md": interview(
                "done", "2026-11-10", extra="thanked: 2026-11-11\n"
            ),
            "tasks.md": "- [ ] Write to the <b>team</b> 📅 2026-11-30\n",
        },
    )


def page(client: FlaskClient, query: str = f"today={DAY}") -> str:
    response = client.get(f"/?{query}", headers={"Host": HOST})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def save(vault: Path, library: Library, rel: str, text: str) -> None:
    path = vault / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    library.sync([rel])


def test_today_is_the_same_page_when_asked_again(client: FlaskClient) -> None:
    first = page(client)
    assert "Write to the &lt;b&gt;team&lt;/b&gt;" in first  # escaped, from the kept column too
    assert page(client) == first
    assert page(client, f"today={DAY}&all=1") == page(client, f"today={DAY}&all=1")


def test_today_follows_each_change_to_the_vault(
    vault: Path, library: Library, client: FlaskClient
) -> None:
    before = page(client)
    assert "1 overdue." in before
    assert "Nothing scheduled." in before
    assert re.search(r"stat-number\">1</span> · 0 answered", before) is None  # no requests yet

    save(vault, library, "tasks.md", "- [ ] Call the printer 📅 2026-12-01\n")
    after = page(client)
    assert "Call the printer" in after and "Write to the" not in after
    assert "1 due today." in after

    save(vault, library, "interviews/2026-12-04 Ada Byron.md", interview("scheduled", "2026-12-04"))
    after = page(client)
    assert "Upcoming interviews" in after and "Thu 3 Dec 2026" not in after
    assert "Fri 4 Dec 2026" in after  # the new interview, and a preparation due on the 3rd
    assert "Prepare for the interview with Ada Byron" in after

    (vault / "interviews/2026-12-04 Ada Byron.md").unlink()
    library.sync(["interviews/2026-12-04 Ada Byron.md"])
    assert "Nothing scheduled." in page(client)


def test_today_practice_follows_changes(vault: Path, library: Library, client: FlaskClient) -> None:
    assert '<span class="stat-number">0</span> of 2 interviews done' in page(client)
    save(vault, library, "interviews/2026-12-01 Ada Byron.md", interview("done", DAY))
    html = page(client)
    assert '<span class="stat-number">1</span> of 2 interviews done' in html
    assert '<span class="stat-number">2</span> months in a row' in html


def test_today_keep_in_touch_lists_the_six_most_urgent(
    vault: Path, library: Library, client: FlaskClient
) -> None:
    start = date(2026, 9, 1)
    for n in range(9):
        last = (start + timedelta(days=n)).isoformat()
        text = f"---\ntype: person\nname: P{n}\nkeep_in_touch: 30\nlast_contact: {last}\n---\n"
        save(vault, library, f"people/P{n}.md", text)
    html = page(client)
    side = html[html.index('id="contacts-h"') :]
    side = side[: side.index("</section>")]
    assert re.findall(r">(P\d)</a>", side) == ["P0", "P1", "P2", "P3", "P4", "P5"]


def test_today_of_two_vaults_in_one_process(tmp_path: Path, client: FlaskClient) -> None:
    (tmp_path / "other").mkdir()
    other_root = make_vault(tmp_path / "other", {"todo.md": "- [ ] Only elsewhere 📅 2026-12-01\n"})
    other = Library.open(other_root, index_dir=tmp_path / "other-index")
    other.sync()
    try:
        elsewhere = create_app(other, WebSettings(port=8765)).test_client()
        for _ in range(2):
            assert "Only elsewhere" not in page(client)
            assert "Only elsewhere" in page(elsewhere)
    finally:
        other.close()


def test_today_each_day_and_address_has_its_own_column(client: FlaskClient) -> None:
    assert "1 overdue." in page(client)
    assert "Nothing is due this week." in page(client, "today=2026-11-01")
    assert "1 due today." in page(client, "today=2026-11-30")
    html = page(client, f"today={DAY}&x=1")
    assert 'name="next" value="/?today=2026-12-01&amp;x=1"' in html  # the buttons return here


@pytest.mark.parametrize("day", ["2026-12-01", "2026-11-30", "2026-03-01", "2027-01-15"])
def test_practice_totals_answer_as_the_statistics_do(day: str) -> None:
    vault = load(EXAMPLE)
    today = date.fromisoformat(day)
    assert practice_totals(vault).on(today, vault.config.monthly_goal) == practice_stats(
        vault, today
    )
