"""XSS in a real browser: hostile notes run no script, even with the Content-Security-Policy off.

Every payload goes into a note's body, its file name, its front-matter values (name, company,
role, tags, links, email, LinkedIn, a bad date a problem quotes back), a task on Today, and the
search box. Each page that shows it is loaded in Debian's Chromium with CSP bypassed; the page
must open no dialog, leave `window.__xss` unset, and hold no element the payload could have made
(an `on*` attribute, a script, a `javascript:` URL, a frame). One server and one browser serve
the module. Skipped when /usr/bin/chromium is missing, unless IIV_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from iiv.note import parse_note
from iiv.server import Server
from tests.helpers import copy_example, serving

WAIT_MS = 10_000
DAY = "?today=2026-12-01"
PAYLOADS = [
    "<script>window.__xss=1;alert(1)</script>",
    '<img src=x onerror="window.__xss=2;alert(2)">',
    "<svg onload=window.__xss=3;alert(3)>",
    "<svg><script>window.__xss=4;alert(4)</script></svg>",
    '<iframe src="javascript:parent.__xss=5;alert(5)"></iframe>',
    '<iframe srcdoc="<script>parent.__xss=6;alert(6)</script>"></iframe>',
    "<body onload=window.__xss=7;alert(7)>",
    "<details open ontoggle=window.__xss=8;alert(8)>",
    "<input autofocus onfocus=window.__xss=9;alert(9)>",
    "<video><source onerror=window.__xss=10;alert(10)></video>",
    "<audio src=x onerror=window.__xss=11;alert(11)>",
    '<object data="javascript:window.__xss=12;alert(12)"></object>',
    '<embed src="javascript:window.__xss=13;alert(13)">',
    '<a href="javascript:window.__xss=14;alert(14)">click 14</a>',
    "[click 15](javascript:window.__xss=15;alert(15))",
    "[click 16](JaVaScRiPt:window.__xss=16;alert(16))",
    "[click 17](data:text/html,<script>window.__xss=17;alert(17)</script>)",
    "![image 18](javascript:window.__xss=18;alert(18))",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=19;alert(19)>",
    '"><img src=x onerror=window.__xss=20;alert(20)>',
    "'><svg onload=window.__xss=21;alert(21)>",
    "</textarea><script>window.__xss=22;alert(22)</script>",
    "</title><script>window.__xss=23;alert(23)</script>",
    "</script><script>window.__xss=24;alert(24)</script>",
    "<style>@import 'javascript:window.__xss=25';</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=26;alert(26)">',
    '<base href="javascript:window.__xss=27;alert(27)//">',
    '<form action="javascript:window.__xss=28;alert(28)"><button>go 28</button></form>',
    "<marquee onstart=window.__xss=29;alert(29)>29</marquee>",
    '<div style="background:url(javascript:window.__xss=30)">30</div>',
    "{{constructor.constructor('window.__xss=31;alert(31)')()}} ${window.__xss=31}",
    "<img src=x onerror=&#119;indow.__xss=32;alert(32)>",
    "&lt;img src=x onerror=window.__xss=33;alert(33)&gt;",
    "%3Cscript%3Ewindow.__xss=34;alert(34)%3C/script%3E",
    "<scr<script>ipt>window.__xss=35;alert(35)</scr</script>ipt>",
    '<img """><script>window.__xss=36;alert(36)</script>">',
    '<a href="&#106;avascript:window.__xss=37;alert(37)">click 37</a>',
    "[[<img src=x onerror=window.__xss=38;alert(38)>]]",
    "[[Welcome|<svg onload=window.__xss=39;alert(39)>]]",
    '<noscript><p title="</noscript><img src=x onerror=window.__xss=40;alert(40)>">',
    "\u2028<script>window.__xss=41;alert(41)</script>\u2029",
    "<x onclick=window.__xss=42;alert(42)>click 42</x>",
    "<img src=x:alert(43) onerror=eval(src)>",
    "<select autofocus onfocus=window.__xss=44;alert(44)></select>",
    "javascript:window.__xss=45;alert(45)",
    "<svg><a xlink:href=javascript:window.__xss=46;alert(46)><text y=20>46</text></a></svg>",
    "<!--><img src=x onerror=window.__xss=47;alert(47)>-->",
    '<a href="\tjavascript:window.__xss=48;alert(48)">click 48</a>',
]
# Run in the page after it loaded: every element the payloads could have made.
FIND_INJECTED = """() => {
  const found = [];
  const urlAttrs = ["href", "src", "action", "formaction", "data", "background", "poster",
                    "xlink:href", "srcset", "ping"];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]+/g, "").toLowerCase();
      if (name.startsWith("on")) found.push(`${tag}[${name}]`);
      if (["srcdoc", "http-equiv", "autofocus", "style"].includes(name))
        found.push(`${tag}[${name}]`);
      if (urlAttrs.includes(name) && /^(javascript|vbscript|data):/.test(value))
        found.push(`${tag}[${name}=${value.slice(0, 40)}]`);
    }
    if (["iframe", "frame", "object", "embed", "base", "applet", "svg", "math", "style",
         "video", "audio", "marquee", "details", "textarea", "x", "noscript", "keygen"]
        .includes(tag)) found.push(tag);
    if (tag === "script" && el.getAttribute("src") !== "/static/app.js") found.push("script");
    if (tag === "meta" && !el.hasAttribute("charset") && !el.hasAttribute("name"))
      found.push("meta");
    if (tag === "form" && !/^\\/(do\\/|search$)/.test(el.getAttribute("action") || ""))
      found.push(`form[action=${el.getAttribute("action")}]`);
  }
  return found;
}"""
SETTLE = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


GROUP = 4  # payloads shown together on one page: a page load costs more than its checks
GROUPS = [PAYLOADS[start : start + GROUP] for start in range(0, len(PAYLOADS), GROUP)]


def file_safe(payload: str) -> str:
    return payload.replace("/", "\u2215").replace("\n", " ")[:150]


def yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def person(group: int, payloads: list[str]) -> str:
    """A person whose every property, link, task and paragraph holds the group's payloads."""
    both = " ".join(payloads)
    value = yaml_text(both)
    return (
        f"---\ntype: person\nname: {yaml_text(f'{both} {group:02d}')}\ncompany: {value}\n"
        f"role: {value}\nlocation: {value}\nsource: {value}\nemail: {value}\nphone: {value}\n"
        f"linkedin: {yaml_text(payloads[0])}\naliases: {json.dumps(payloads)}\n"
        f"tags: {json.dumps(payloads)}\nkeep_in_touch: 1\nlast_contact: {value}\n"
        f"introduced_by: {yaml_text(f'[[{payloads[0]}]]')}\n---\n# {both}\n\n"
        + "".join(f"{p} xssmark\n\n[[{p}]] [[Welcome|{p}]]\n\n" for p in payloads)
        + "".join(f"- [ ] Answer {p} 📅 2026-12-01\n" for p in payloads)
    )


def interview(group: int, payloads: list[str]) -> str:
    value = yaml_text(" ".join(payloads))
    return (
        f'---\ntype: interview\nperson: "[[xss-{group:02d}]]"\nstatus: requested\n'
        f"requested: 2026-11-20\ngoal: {value}\nmedium: {value}\nlocation: {value}\n"
        f"tags: {json.dumps(payloads)}\nthanked: {value}\n---\n"
        + "".join(f"{p} xssmark\n\n" for p in payloads)
    )


def plain(payloads: list[str]) -> str:
    value = yaml_text(" ".join(payloads))
    return f"---\nodd: {value}\ntags: {json.dumps(payloads)}\n---\n" + "".join(
        f"{p}\n\n> {p}\n\n" for p in payloads
    )


def notes(group: int, payloads: list[str]) -> dict[str, str]:
    """The group's notes; each payload also names an interview file and a plain note file."""
    found = {
        f"people/xss-{group:02d}.md": person(group, payloads),
        f"notes/xss-group-{group:02d}.md": plain(payloads),
    }
    for number, payload in enumerate(payloads):
        name = file_safe(payload)
        found[f"interviews/xss-{group:02d}-{number} {name}.md"] = interview(group, payloads)
        found[f"notes/{name} {group:02d}-{number}.md"] = f"{payload} xssmark\n"
    return found


def pages(group: int, payloads: list[str]) -> list[str]:
    """The pages that show the group's payloads: its notes, its company, its search."""
    first = f"interviews/xss-{group:02d}-0 {file_safe(payloads[0])}.md"
    company = parse_note("p.md", person(group, payloads).encode()).company  # as YAML reads it
    return [
        f"/person/{quote(f'people/xss-{group:02d}.md')}{DAY}",
        f"/interview/{quote(first)}",
        f"/note/{quote(f'notes/xss-group-{group:02d}.md')}",
        f"/company/{quote(company or '', safe='')}",
        f"/search?q={quote(' '.join(payloads), safe='')}",
    ]


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("xss"))
    for group, payloads in enumerate(GROUPS):
        for rel, text in notes(group, payloads).items():
            (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(vault: Path) -> Iterator[Server]:
    with serving(vault, vault.parent / "idx") as running:
        yield running


class Tab:
    """A page without CSP, recording every dialog; `check` loads a URL and inspects it."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.context = browser.new_context(bypass_csp=True)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.base = server.url.rstrip("/")
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self, path: str) -> list[str]:
        """What is wrong with the page at `path`: a bad status, a dialog, the canary, elements."""
        response = self.page.goto(self.base + path, wait_until="load")
        self.page.evaluate(SETTLE)
        problems = (
            []
            if response and response.status == 200
            else [f"status {response and response.status}"]
        )
        problems += [f"dialog {message}" for message in self.dialogs]
        self.dialogs.clear()
        canary = self.page.evaluate("() => window.__xss")
        if canary is not None:
            problems.append(f"window.__xss = {canary}")
        if "alert(" not in self.page.locator("body").inner_text():
            problems.append("no payload is shown: nothing was tested")
        return problems + self.page.evaluate(FIND_INJECTED)


@pytest.fixture(scope="module")
def tab(chromium: Browser, server: Server) -> Iterator[Tab]:
    tab = Tab(chromium, server)
    try:
        yield tab
    finally:
        tab.context.close()


def test_there_are_at_least_40_payloads() -> None:
    assert len(PAYLOADS) >= 40
    assert all(f"__xss={n}" in p or f"alert({n})" in p for n, p in enumerate(PAYLOADS, 1))


def test_the_canary_and_the_checks_catch_a_real_injection(tab: Tab) -> None:
    """The control: the same checks on a page where a script does run find it."""
    tab.page.goto(tab.base + "/static/app.js")
    tab.page.set_content(f"<body>{PAYLOADS[1]}<a href='javascript:x'>x</a></body>")
    tab.page.wait_for_function("() => window.__xss === 2", timeout=WAIT_MS)
    assert tab.dialogs == ["2"]
    tab.dialogs.clear()
    assert set(tab.page.evaluate(FIND_INJECTED)) >= {"img[onerror]", "a[href=javascript:x]"}


@pytest.mark.parametrize("group", range(len(GROUPS)))
def test_payloads_run_nowhere_they_are_shown(tab: Tab, group: int) -> None:
    found = {path: tab.check(path) for path in pages(group, GROUPS[group])}
    assert {path: problems for path, problems in found.items() if problems} == {}


def test_today_problems_and_search_results_with_every_payload_run_nothing(tab: Tab) -> None:
    paths = ["/" + DAY, "/?today=2026-12-25", "/problems", "/search?q=xssmark"]
    paths += [f"/search?q=xssmark&page={n}" for n in range(2, 1 + 4 * len(GROUPS) // 20 + 2)]
    paths += ["/search?q=kind:person", "/search?q=tag:img"]
    found = {path: tab.check(path) for path in paths}
    assert {path: problems for path, problems in found.items() if problems} == {}
    page = tab.page
    page.goto(tab.base + "/problems")
    expect(page.locator("main")).to_contain_text("<img src=x onerror=")


def test_a_payload_swapped_in_by_the_live_refresh_runs_nothing(tab: Tab, vault: Path) -> None:
    """app.js replaces <main> with a fresh copy when the vault changes: no script may ride in."""
    rel = "people/xss-00.md"
    assert tab.check(f"/person/{quote(rel)}") == []
    tab.page.evaluate("() => { window.__sameDocument = true; }")
    with open(vault / rel, "a", encoding="utf-8") as handle:
        handle.write("".join(f"\nlive {payload}\n" for payload in PAYLOADS))
    expect(tab.page.locator("main")).to_contain_text("live <script>", timeout=WAIT_MS)
    tab.page.evaluate(SETTLE)
    assert tab.page.evaluate("() => window.__sameDocument") is True
    assert tab.page.evaluate("() => window.__xss") is None
    assert tab.page.evaluate(FIND_INJECTED) == [] and tab.dialogs == []
