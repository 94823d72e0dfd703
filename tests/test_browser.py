"""The dashboard in a real browser (Debian's Chromium through Playwright) over a real server.

One server and one browser serve the whole module; each test uses its own notes, so their
order does not matter. Skipped when /usr/bin/chromium is missing, unless IIV_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Dialog, Page, ViewportSize, expect

from iiv.server import Server
from tests.helpers import ROOT, copy_example, serving

SCREENSHOTS = ROOT / "docs" / "screenshots"
WAIT_MS = 10_000
WIDE: ViewportSize = {"width": 1280, "height": 900}
DAY = "?today=2026-12-01"
GRACE = "interviews/2026-09-29 Grace Liang.md"
GRACE_TASK = "Done: Send Grace Liang the meetup recording once it is published"
KENJI_VISIT = "interviews/2026-12-03 Kenji Watanabe and Amara Okafor.md"
PAYLOAD = "<img src=x onerror=window.__xss=1;alert(1)>"
SCRIPT = "<script>window.__xss=2;alert('script')</script>"
XSS_NAME = "notes/<img src=x onerror=alert(3)> evil.md"
XSS_NOTE = f"""---
title: "{SCRIPT}{PAYLOAD}"
---
# Evil {SCRIPT}

{PAYLOAD} and {SCRIPT} and [click](javascript:alert('link'))

[[{SCRIPT}]] [[Welcome|{PAYLOAD}]]

- [ ] Answer {PAYLOAD} {SCRIPT} 📅 2029-12-01
"""
# Realistic problems for the Problems page: a sync conflict copy, a bad date, a missing person.
PROBLEM_NOTES = {
    "people/Grace Liang.sync-conflict-20261121-101500-ABCDEF7.md": (
        "---\ntype: person\nname: Grace Liang\ncompany: Harbor Analytics\n---\n# Grace Liang\n"
    ),
    "notes/Reading list.md": "# Reading list\n\n- [ ] Read *The Mom Test* 📅 2026-02-31\n",
    "interviews/2026-12-14 Priya Raman.md": (
        '---\ntype: interview\nperson: "[[Priya Raman]]"\nstatus: prospect\n---\n# Priya\n'
    ),
}


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("browser"))
    for rel, text in {XSS_NAME: XSS_NOTE, **PROBLEM_NOTES}.items():
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(vault: Path) -> Iterator[Server]:
    with serving(vault, vault.parent / "idx") as running:
        yield running


class Tab:
    """A page in a fresh browser context that records every dialog it opens."""

    def __init__(self, browser: Browser, server: Server, phone: bool = False) -> None:
        size: ViewportSize = {"width": 390, "height": 844} if phone else WIDE
        self.context = browser.new_context(
            viewport=size,
            is_mobile=phone,
            device_scale_factor=2 if phone else 1,
        )
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.base = server.url
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str) -> Page:
        self.page.goto(self.base + path.lstrip("/"))
        return self.page


@pytest.fixture
def tab(chromium: Browser, server: Server) -> Iterator[Tab]:
    tab = Tab(chromium, server)
    yield tab
    tab.context.close()


def note_path(kind: str, rel: str) -> str:
    return f"/{kind}/{quote(rel)}"


def test_screenshots_of_every_page(
    chromium: Browser, server: Server, tab: Tab, tmp_path: Path
) -> None:
    """Each page as a new user sees it; written to docs/screenshots/ with IIV_SCREENSHOTS=1."""
    folder = SCREENSHOTS if os.environ.get("IIV_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    shots = {
        "today": "/" + DAY,
        "search": "/search?q=tutorial",
        "person": note_path("person", "people/Amara Okafor.md") + DAY,
        "interview": note_path("interview", KENJI_VISIT) + DAY,
        "problems": "/problems",
        "targets": "/targets",
        "practice": "/practice" + DAY,
        "draft": f"/draft/request/{quote('interviews/2026-11-25 Noor Aziz.md')}" + DAY,
        "brief": f"/brief/{quote(KENJI_VISIT)}",
        "resolve": f"/resolve/{quote(next(iter(PROBLEM_NOTES)))}",
        "people": "/people" + DAY,
        "companies": "/companies",
        "pipeline": "/pipeline" + DAY,
    }
    for name, path in shots.items():
        page = tab.open(path)
        expect(page.locator("h1").first).to_be_visible()
        page.screenshot(path=str(folder / f"{name}.png"))
    phone = Tab(chromium, server, phone=True)
    phone.open("/" + DAY).screenshot(path=str(folder / "today-phone.png"))
    phone.open("/pipeline" + DAY).screenshot(path=str(folder / "pipeline-phone.png"))
    phone.context.close()
    assert len(list(folder.glob("*.png"))) >= len(shots) + 2


def test_dashboard_shows_the_week_most_urgent_first(tab: Tab) -> None:
    page = tab.open("/" + DAY)
    expect(page.locator(".page-head .lead")).to_have_text(
        "8 overdue, 2 due today, 6 later this week."
    )
    first = page.locator(".row").first
    expect(first).to_contain_text("Get back in touch with Farah Haddad")
    expect(first.get_by_role("link", name="Farah Haddad", exact=True)).to_have_attribute(
        "href", "/person/people/Farah%20Haddad.md"
    )
    expect(page.locator(".layout-side")).to_contain_text("Thu 3 Dec 2026, 15:30")


def test_done_changes_exactly_one_line_on_disk(tab: Tab, vault: Path) -> None:
    before = (vault / GRACE).read_text(encoding="utf-8").splitlines()
    page = tab.open("/" + DAY)
    with page.expect_navigation():
        page.get_by_role("button", name=GRACE_TASK).click()
    expect(page).to_have_url(tab.base + DAY)
    expect(page.get_by_role("button", name=GRACE_TASK)).to_have_count(0)
    after = (vault / GRACE).read_text(encoding="utf-8").splitlines()
    assert len(after) == len(before)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == 1 and changed[0][1].startswith("- [x] Send [[Grace Liang]]")


def test_slash_focuses_search_and_a_result_opens(tab: Tab) -> None:
    page = tab.open("/" + DAY)
    page.keyboard.press("/")
    expect(page.locator("#search-q")).to_be_focused()
    page.keyboard.type("walnut")
    page.keyboard.press("Enter")
    results = page.locator(".result")
    expect(results.first.locator("mark").first).to_have_text("walnut")
    title = results.first.locator(".result-title")
    name = title.inner_text()
    title.click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator(".file-line")).to_contain_text(".md")


def test_new_interview_from_a_person_page(tab: Tab, vault: Path) -> None:
    page = tab.open(note_path("person", "people/Chiara Bianchi.md"))
    form = page.get_by_role("region", name="New interview with Chiara")
    form.get_by_label("Date", exact=True).fill("2026-12-18")
    form.get_by_label("Time", exact=True).fill("11:00")
    form.get_by_label("Status", exact=True).select_option("scheduled")
    form.get_by_label("Medium", exact=True).fill("video")
    form.get_by_role("button", name="Create interview note").click()
    rel = "interviews/2026-12-18 Chiara Bianchi.md"
    expect(page).to_have_url(tab.base + note_path("interview", rel).lstrip("/"))
    expect(page.locator("h1")).to_have_text("2026-12-18 Chiara Bianchi")
    text = (vault / rel).read_text(encoding="utf-8")
    assert 'person: "[[Chiara Bianchi]]"' in text and "date: 2026-12-18 11:00" in text


def test_a_change_on_disk_shows_without_a_reload(tab: Tab, vault: Path) -> None:
    rel = "notes/Questions I ask.md"
    page = tab.open(note_path("note", rel))
    page.evaluate("window.__sameDocument = true")
    page.locator("#search-q").focus()
    page.keyboard.type("half-typed")
    with open(vault / rel, "a", encoding="utf-8") as handle:
        handle.write("\n- What surprised you most this year? (added in the editor)\n")
    expect(page.locator("main")).to_contain_text("added in the editor", timeout=WAIT_MS)
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("#search-q")).to_be_focused()
    expect(page.locator("#search-q")).to_have_value("half-typed")


def test_hostile_notes_run_no_script(tab: Tab) -> None:
    pages = [
        "/?today=2030-01-01",
        note_path("note", XSS_NAME),
        "/search?q=evil",
        "/search?q=answer",
        "/problems",
    ]
    for path in pages:
        page = tab.open(path)
        expect(page.locator("h1").first).to_be_visible()
        assert page.evaluate("typeof window.__xss") == "undefined", path
    assert tab.dialogs == []
    page = tab.open(note_path("note", XSS_NAME))
    expect(page.locator("h1").first).to_contain_text("<script>")
    expect(page.locator("main")).to_contain_text("<img src=x onerror=")


def test_problems_list_the_conflict_copy_first(tab: Tab) -> None:
    page = tab.open("/problems")
    first = page.locator(".problem").first
    expect(first).to_contain_text("sync-conflict-20261121-101500-ABCDEF7")
    expect(page.locator("main")).to_contain_text("📅 2026-02-31 is not a real date")


def vault_bytes(vault: Path) -> dict[str, bytes]:
    return {p.relative_to(vault).as_posix(): p.read_bytes() for p in vault.rglob("*.md")}


def test_accepting_a_request_changes_one_note_and_undo_restores_it(tab: Tab, vault: Path) -> None:
    rel = "interviews/2026-11-20 Chiara Bianchi.md"
    before = vault_bytes(vault)
    page = tab.open(note_path("interview", rel) + DAY)
    yes = page.locator("form.step-form")
    yes.get_by_label("Date").fill("2026-12-10")
    yes.get_by_label("Time").fill("14:00")
    with page.expect_navigation():
        yes.get_by_role("button", name="They said yes: 2026-11-20 Chiara Bianchi").click()
    confirmation = page.locator(".confirmation")
    expect(confirmation).to_contain_text("Chiara Bianchi scheduled for 2026-12-10 14:00")
    expect(page.locator(".next-steps h2")).to_contain_text("scheduled")
    after = vault_bytes(vault)
    assert {path for path in after if after[path] != before.get(path)} == {rel}
    old = before[rel].decode().splitlines()
    new = after[rel].decode().splitlines()
    assert sorted(set(new) - set(old)) == [
        f"answered: {date.today().isoformat()}",  # when the answer came, for the reply times
        "date: 2026-12-10 14:00",
        "status: scheduled",
    ]
    assert set(old) - set(new) == {"status: requested"}
    with page.expect_navigation():
        confirmation.get_by_role(
            "button", name="Undo: Chiara Bianchi scheduled for 2026-12-10 14:00"
        ).click()
    expect(page.locator(".confirmation")).to_have_text(
        "Undone: Chiara Bianchi scheduled for 2026-12-10 14:00"
    )
    assert vault_bytes(vault) == before


def test_adding_a_person_from_the_people_page(tab: Tab, vault: Path) -> None:
    page = tab.open("/people")
    form = page.locator("form.stack-form")
    form.get_by_label("Name", exact=True).fill("Ada Lovelace")
    form.get_by_label("Company", exact=True).fill("Analytical Engines")
    form.get_by_label("Role", exact=True).fill("Head of research")
    form.get_by_label("Introduced by").fill("Kenji Watanabe")
    form.get_by_label("Keep in touch every").fill("3 months")
    with page.expect_navigation():
        form.get_by_role("button", name="Add the person").click()
    expect(page.locator("h1")).to_have_text("Ada Lovelace")
    expect(page.locator(".confirmation")).to_contain_text("Ada Lovelace added")
    lines = (vault / "people/Ada Lovelace.md").read_text(encoding="utf-8").splitlines()
    assert {
        "company: Analytical Engines",
        "role: Head of research",
        'introduced_by: "[[Kenji Watanabe]]"',
        "keep_in_touch: 3 months",
    } <= set(lines)
    page = tab.open("/people?q=ada")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Analytical Engines")


def lanes(page: Page) -> list[tuple[int, int]]:
    """Where each of the pipeline's four lanes starts: (left, top) in pixels."""
    boxes = [lane.bounding_box() for lane in page.locator("section.lane").all()]
    return [(round(box["x"]), round(box["y"])) for box in boxes if box is not None]


def test_the_pipeline_is_four_columns_wide_and_stacked_on_a_phone(
    chromium: Browser, server: Server, tab: Tab
) -> None:
    wide = lanes(tab.open("/pipeline" + DAY))
    assert len(wide) == 4 and len({top for _, top in wide}) == 1
    assert [left for left, _ in wide] == sorted({left for left, _ in wide})
    phone = Tab(chromium, server, phone=True)
    stacked = lanes(phone.open("/pipeline" + DAY))
    phone.context.close()
    assert len(stacked) == 4 and len({left for left, _ in stacked}) == 1
    assert [top for _, top in stacked] == sorted({top for _, top in stacked})


# A rule left unclosed in the stylesheet makes every rule after it a nested one, which browsers
# then apply only inside it: the page loses its layout without any error. We write no nesting.
NESTED_RULES = """() => {
  const found = [];
  const walk = (rules, inside) => {
    for (const rule of rules) {
      if (rule instanceof CSSStyleRule && inside) found.push(inside + " { " + rule.selectorText);
      const within = rule instanceof CSSStyleRule ? rule.selectorText : inside;
      if (rule.cssRules) walk(rule.cssRules, within);
    }
  };
  for (const sheet of document.styleSheets) walk(sheet.cssRules, null);
  return found;
}"""


def test_the_stylesheet_has_no_rule_left_open(tab: Tab) -> None:
    assert tab.open("/").evaluate(NESTED_RULES) == []


# What a narrow phone screen must not do: break a date at its hyphen, an e-mail address in
# the middle of a word (it may break before `@` and `.`), or leave the Open button alone on a
# line. Each text node holding a date, and each piece of an address, must sit on one line.
LAYOUT_FAULTS = r"""() => {
  const faults = [];
  const oneLine = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size <= 1;
  };
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    if (node.parentElement.closest("code, pre")) continue;
    for (const date of node.data.matchAll(/\d{4}-\d{2}-\d{2}/g)) {
      if (!oneLine(node, date.index, date.index + date[0].length)) faults.push("date " + date[0]);
    }
    if (node.parentElement.closest('a[href^="mailto:"]') && !oneLine(node, 0, node.length)) {
      faults.push("address piece " + node.data);
    }
  }
  for (const buttons of document.querySelectorAll(".row-buttons")) {
    const items = [...buttons.querySelectorAll(":scope > *, :scope > .row-links > *")]
      .filter(item => !item.classList.contains("row-links"));
    const open = items.find(item => item.textContent.trim() === "Open");
    if (!open || items.length === 1) continue;
    const top = Math.round(open.getBoundingClientRect().top);
    if (items.filter(item => Math.round(item.getBoundingClientRect().top) === top).length === 1) {
      faults.push("Open alone: " + buttons.textContent.replace(/\s+/g, " ").trim());
    }
  }
  return faults;
}"""


@pytest.mark.parametrize("width", [320, 360, 390, 430])
def test_a_phone_keeps_dates_addresses_and_buttons_whole(
    chromium: Browser, server: Server, width: int
) -> None:
    context = chromium.new_context(viewport={"width": width, "height": 844}, is_mobile=True)
    page = context.new_page()
    faults = {}
    for path in (
        "/" + DAY,
        note_path("person", "people/Amara Okafor.md") + DAY,
        note_path("person", "people/Lucía Fernández.md") + DAY,
        note_path("interview", "interviews/2026-11-28 Lucía Fernández.md") + DAY,
        "/search?q=robotics",
        "/problems",
    ):
        page.goto(server.url + path.lstrip("/"))
        faults[path] = page.evaluate(LAYOUT_FAULTS)
    context.close()
    assert {path: found for path, found in faults.items() if found} == {}
