"""The coaching pages in a real browser (Debian's Chromium) over a real server: a draft's
`mailto:` link, the debrief form, and the practice charts under the strict CSP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from iiv.server import Server
from tests.helpers import copy_example, serving

WAIT_MS = 10_000
LUCIA = "interviews/2026-11-28 Lucía Fernández.md"
CRAFTED = "people/Mallory Evans.md"
CRAFTED_ASK = "interviews/2026-11-30 Mallory Evans.md"


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("coach"))
    (root / CRAFTED).write_text(
        '---\ntype: person\nname: Mallory Evans\nemail: "m@x.example?bcc=spy@evil.example'
        '&subject=Hi%0ACc:other@evil.example, second@evil.example"\ncompany: Evil Corp\n---\n',
        encoding="utf-8",
    )
    (root / CRAFTED_ASK).write_text(
        '---\ntype: interview\nperson: "[[Mallory Evans]]"\nstatus: prospect\n'
        "goal: Learn how audits work\n---\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module")
def server(vault: Path) -> Iterator[Server]:
    with serving(vault, vault.parent / "idx") as running:
        yield running


@pytest.fixture
def page(chromium: Browser, server: Server) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()


def csp_errors(page: Page) -> list[str]:
    return [e for e in page.errors if "Content Security Policy" in e]  # type: ignore[attr-defined]


def mailto(page: Page) -> tuple[str, dict[str, list[str]]]:
    href = page.get_by_role("link", name="Open in your email app").get_attribute("href") or ""
    parts = urlsplit(href)
    assert parts.scheme == "mailto"
    return unquote(parts.path), parse_qs(parts.query, keep_blank_values=True)


def test_the_mailto_link_carries_the_draft_and_nothing_more(page: Page, server: Server) -> None:
    page.goto(server.url + f"draft/thank-you/{quote(LUCIA)}?today=2026-12-01")
    expect(page.locator("h1")).to_have_text("Thank-you to Lucía Fernández")
    to, fields = mailto(page)
    assert to == "lucia@fernandez-docs.example"
    assert sorted(fields) == ["body", "subject"]
    assert fields["subject"] == [page.locator("#draft-subject").input_value()]
    body = page.locator("#draft-body").input_value()
    assert fields["body"] == [body.replace("\n", "\r\n")]
    expect(page.locator(".six-check.is-ok")).to_have_count(2)
    assert csp_errors(page) == []


def test_a_crafted_address_stays_one_address(page: Page, server: Server) -> None:
    page.goto(server.url + f"draft/request/{quote(CRAFTED_ASK)}")
    to, fields = mailto(page)
    assert to.startswith("m@x.example?bcc=spy@evil.example")
    assert sorted(fields) == ["body", "subject"]
    href = page.get_by_role("link", name="Open in your email app").get_attribute("href") or ""
    address = href.split("?", 1)[0]
    assert "?" not in address and "&" not in address


def test_the_debrief_form_adds_lines_and_creates_a_prospect(
    page: Page, server: Server, vault: Path
) -> None:
    before = {p: p.read_bytes() for p in vault.rglob("*.md")}
    old = (vault / LUCIA).read_text(encoding="utf-8").splitlines()
    page.goto(server.url + f"interview/{quote(LUCIA)}")
    page.get_by_label("Takeaways").fill("Staff role first")
    page.get_by_label("People they suggested").fill("Priya Nair, Harbour Maps")
    page.get_by_label("What you promised").fill("Send Lucía the outline 2026-12-05")
    page.get_by_role("button", name="Save the debrief of 2026-11-28 Lucía Fernández").click()
    expect(page.locator("body")).to_contain_text("Debrief recorded: 2 lines added; 1 prospect")
    new = (vault / LUCIA).read_text(encoding="utf-8").splitlines()
    assert [line for line in new if line not in old] == [
        "- Staff role first",
        "- [ ] Send Lucía the outline 📅 2026-12-05",
    ]
    assert len(new) == len(old) + 2
    changed = {p for p, data in before.items() if p.read_bytes() != data}
    assert changed == {vault / LUCIA}
    assert 'introduced_by: "[[Lucía Fernández]]"' in (vault / "people/Priya Nair.md").read_text(
        encoding="utf-8"
    )
    assert csp_errors(page) == []


def test_the_practice_charts_draw_under_the_strict_csp(page: Page, server: Server) -> None:
    page.goto(server.url + "practice?today=2026-12-01")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(4)
    expect(page.get_by_role("img", name="Reply rate")).to_be_visible()
    speed = page.get_by_role("img", name="How fast people answered")
    expect(speed.locator("rect.bar-boosters title")).to_have_text("Boosters: 10")
    expect(speed.locator("rect.bar-obligates title")).to_have_text("Obligates: 3")
    expect(speed.locator("rect.bar-curmudgeons title")).to_have_text("Curmudgeons: 1")
    box = speed.locator("rect.bar-boosters").bounding_box()
    assert box is not None and box["width"] > 100
    funnel = page.get_by_role("img", name="From prospects to referrals")
    expect(funnel.locator("rect")).to_have_count(6)
    expect(page.locator(".lead")).to_contain_text("a reply rate of 76%")
    assert csp_errors(page) == []
