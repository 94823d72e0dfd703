"""New notes and new vaults: the person and interview templates, `iiv init`, `iiv new`.

Templates use only the placeholders Obsidian's core Templates plugin also fills (`{{title}}`,
`{{date}}`, `{{time}}`), so the same files work there. Everything else is set afterwards as a
property, through the same one-line edit `iiv thanked` uses. Guidance for the writer is kept
in Obsidian comments (`%% ... %%`), which neither Obsidian's reading view nor iiv shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pathvalidate import sanitize_filename

from iiv import messages
from iiv.config import CONFIG_FILE, Config
from iiv.edit import create_note
from iiv.errors import BadArgument, NoteExists
from iiv.links import fold
from iiv.note import STATUSES
from iiv.patch import PropertyValue, with_properties, with_property
from iiv.vault import read_template

MAX_NAME_BYTES = 120  # a note's file name without `.md`: room for a path on every system
LINK_BREAKERS = "#^[]|"  # valid in file names, but they end or split a wikilink

PERSON = """\
---
type: person
name: "{{title}}"
aliases: []
company:
role:
email:
linkedin:
location:
tags: []
source:
introduced_by:
keep_in_touch:
---
# {{title}}

%% How we met, what they do, what they care about. %%

## Interviews
%% Interview notes that link to this person show up on their page in iiv. %%

## Notes
"""

INTERVIEW = """\
---
type: interview
person:
date: {{date}}
status: prospect
medium:
location:
goal:
requested:
thanked:
tags: []
---
# {{title}}

## Questions
- What does a typical week look like for you?
- What do you wish you had known when you started?
- What would you do in my place?
- Who else should I talk to?

## Notes

## Takeaways

## Follow-ups
- [ ] Send a thank-you note
"""

COMPANY = """\
---
type: company
name: "{{title}}"
aliases: []
motivation:
posting:
tags: []
---
# {{title}}

What they make, why they appeal to you, who you know there.

- **Motivation** (0 to 3): how much you want to work there, by gut feel.
- **Posting** (1 to 3): 3 if they advertise roles like yours, 2 if related ones, 1 if none.
"""

BUILT_IN = {"person": PERSON, "interview": INTERVIEW, "company": COMPANY}

WELCOME = """\
# Welcome to your interview vault

This folder is yours: plain Markdown files that any editor (and Obsidian) can open.

- `people/` holds a note per person (`type: person`).
- `interviews/` holds a note per conversation (`type: interview`), linked to people with `[[Name]]`.
- `templates/` holds the templates `iiv new` uses; Obsidian's Templates plugin can use them too.
- `iiv.yaml` holds the settings, such as how many days before a polite nudge.

Start with `iiv new person "Ada Lovelace" --company "Analytical Engines"`, then
`iiv new interview "Ada Lovelace" --date 2026-12-03 --status scheduled`, and see what is due
with `iiv due`. Tasks anywhere, like the one below, show up there too.

- [ ] Write down three people I would like to learn from 📅 {{date}}
"""

CONFIG = """\
# iiv settings for this vault. Every line is optional; these are the defaults.
# Days after a done interview before the thank-you is due:
thank_you_after: 1
# Waits are days (7) or business days (7b: Monday to Friday, less the holidays below).
# After a request with no answer, the one polite nudge:
nudge_after: 7b
# Days after the nudge before iiv suggests marking the request no-reply:
give_up_after: 7
# Days before a scheduled interview to prepare:
prepare_before: 1
# Interviews a month you aim for:
monthly_goal: 2
# Days that are not business days, and optionally a country's public holidays (GB, US-CA):
holidays: []
# public_holidays: GB
# Folders (inside the vault):
templates: templates
people: people
interviews: interviews
# Minutes an interview with a time lasts in the calendar (iiv calendar):
interview_minutes: 60
# The time zone of interview times, as an IANA name (default: this computer's):
# timezone: Europe/London
# The search engine: whoosh, or tantivy for tens of thousands of notes (pip install "iiv[fast]"):
search_engine: whoosh
"""

GITIGNORE = """\
# What never travels between devices (written by iiv init; see README: Devices).
# Obsidian's window layout, rewritten at every click on each device:
.obsidian/workspace*.json
# Obsidian's deleted files:
.trash/
# Editors' swap, backup and lock files:
*.swp
*.swo
*~
.#*
\\#*#
# iiv's and sync tools' temporary files:
.*.iiv-*.tmp
.stversions/
.syncthing.*.tmp
~syncthing~*.tmp
.dropbox.attr
# Operating systems' litter:
.DS_Store
._*
Thumbs.db
desktop.ini
"""


@dataclass(frozen=True)
class NewInterview:
    person: str
    day: date | None = None
    time: str | None = None
    status: str | None = None
    medium: str | None = None


def render(template: str, title: str, day: str, time: str = "") -> str:
    """The template with its placeholders filled; a line left ending in spaces by an empty
    value (`date: {{date}}` without a date) loses them."""
    lines = template.split("\n")
    for number, line in enumerate(lines):
        if "{{" in line:
            filled = line.replace("{{title}}", title).replace("{{date}}", day)
            filled = filled.replace("{{time}}", time)
            lines[number] = filled.rstrip(" \t") if not line.endswith((" ", "\t")) else filled
    return "\n".join(lines)


def template_text(root: Path, config: Config, kind: str) -> str:
    """The vault's own template if it may be read (see `vault.read_template`), else the
    built-in one."""
    own = read_template(root, config, kind)
    if own is not None:
        return own
    return BUILT_IN[kind]


def message_template(root: Path, config: Config, kind: str) -> str:
    """The vault's `templates/messages/KIND.md` if it may be read, else the built-in one."""
    own = read_template(root, config, f"messages/{kind}")
    return own if own is not None else messages.BUILT_IN[kind]


def safe_file_name(title: str, limit: int = MAX_NAME_BYTES) -> str:
    """A title as a file name (without `.md`) that works on Linux, macOS and Windows and in a
    wikilink: no `\\ / : * ? " < > |` or control characters (pathvalidate's rule for every
    system), no `# ^ [ ]`, no leading or trailing dot or space, no reserved name such as `CON`
    (which gets a `_`), at most `limit` bytes of UTF-8. What is taken out becomes a space."""
    spaced = "".join(" " if char in LINK_BREAKERS else char for char in title)
    cleaned = _tidy(sanitize_filename(_tidy(spaced), replacement_text=" ", platform="universal"))
    cleaned = _tidy(sanitize_filename(cleaned, platform="universal", max_len=limit))
    if not cleaned:
        raise BadArgument(f"{title!r} cannot be used as a note name")
    return cleaned


def _tidy(name: str) -> str:
    return " ".join(name.split()).strip(". ")


def unique_file_name(title: str, taken: Set[str]) -> str:
    """`safe_file_name(title)`, or with ` 2`, ` 3`, ... when a name in `taken` (folded, as
    `links.fold` folds them) is the same but for case, as macOS and Windows see it."""
    name = safe_file_name(title)
    number = 1
    while fold(name) in taken:
        number += 1
        suffix = f" {number}"
        name = safe_file_name(title, MAX_NAME_BYTES - len(suffix)) + suffix
    return name


def person_text(template: str, name: str, values: Mapping[str, PropertyValue], today: date) -> str:
    """A person note from a person template: `name`, and the properties set one line each.

    The template's `{{title}}` gets the file-name form of the name (no quotes or colons that
    could break its YAML); when that differs from the name, the `name` property is then set."""
    title = safe_file_name(name)
    data = render(template, title, today.isoformat()).encode("utf-8")
    exact = {"name": name} if title != name else {}
    return with_properties(data, {**exact, **values}).decode("utf-8")


def new_person(
    root: Path,
    config: Config,
    name: str,
    company: str | None,
    today: date,
    extra: Mapping[str, str] | None = None,
) -> str:
    """A person note from the template, with `company` and any `extra` properties set."""
    rel = f"{config.people}/{safe_file_name(name)}.md"
    values: dict[str, PropertyValue] = {"company": company} if company else {}
    values.update(extra or {})
    template = template_text(root, config, "person")
    create_note(root, rel, person_text(template, name, values, today))
    return rel


def new_company(root: Path, config: Config, name: str, values: dict[str, str], today: date) -> str:
    """A company note (`companies/NAME.md`) with `values` set; never overwrites one."""
    title = safe_file_name(name)
    rel = f"{config.companies}/{title}.md"
    data = render(template_text(root, config, "company"), title, today.isoformat()).encode("utf-8")
    data = with_property(data, "name", name)
    for key, value in values.items():
        data = with_property(data, key, value)
    create_note(root, rel, data.decode("utf-8"), config)
    return rel


def new_interview(root: Path, config: Config, new: NewInterview, today: date) -> str:
    if new.status and new.status not in STATUSES:
        raise BadArgument(f"status must be one of {', '.join(STATUSES)}, not {new.status!r}")
    day = new.day or today
    title = f"{day.isoformat()} {safe_file_name(new.person)}"
    day_text = f"{new.day} {new.time}" if new.day and new.time else str(new.day or "")
    data = render(template_text(root, config, "interview"), title, day_text, new.time or "")
    data_bytes = data.encode("utf-8")
    for key, value in _interview_properties(new, today).items():
        data_bytes = with_property(data_bytes, key, value)
    return _create_numbered(root, f"{config.interviews}/{title}", data_bytes.decode("utf-8"))


def _interview_properties(new: NewInterview, today: date) -> dict[str, str]:
    status = new.status or ("prospect" if new.day is None else "scheduled")
    values = {"person": f"[[{new.person}]]", "status": status}
    if new.day:
        values["date"] = f"{new.day} {new.time}" if new.time else new.day.isoformat()
    if status == "requested":
        values["requested"] = today.isoformat()
    if new.medium:
        values["medium"] = new.medium
    return values


def _create_numbered(root: Path, stem: str, text: str) -> str:
    """Create `stem.md`, or `stem 2.md`, ... when a note of that name exists: never overwrite."""
    for number in range(1, 100):
        rel = f"{stem}.md" if number == 1 else f"{stem} {number}.md"
        try:
            create_note(root, rel, text)
            return rel
        except NoteExists:
            continue
    raise NoteExists(f"{stem}.md and 98 numbered copies exist already")


def init_vault(path: Path, today: date) -> list[str]:
    """Create a vault (or complete one): folders, templates, settings, a welcome note.

    Existing files are left alone; returns what was created.
    """
    path.mkdir(parents=True, exist_ok=True)
    config = Config()
    created: list[str] = []
    for folder in (config.people, config.interviews):
        if not (path / folder).exists():
            (path / folder).mkdir()
            created.append(folder + "/")
    files = {
        f"{config.templates}/person.md": PERSON,
        f"{config.templates}/interview.md": INTERVIEW,
        f"{config.templates}/company.md": COMPANY,
        **{f"{config.templates}/messages/{k}.md": t for k, t in messages.BUILT_IN.items()},
        CONFIG_FILE: CONFIG,
        ".gitignore": GITIGNORE,
        "Welcome.md": render(WELCOME, "Welcome", today.isoformat()),
    }
    for rel, text in files.items():
        target = path / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        created.append(rel)
    return created
