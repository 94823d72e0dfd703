"""A brief for a conversation: who they are, what was said before, what is open, and questions.

Pure: a vault snapshot, the interview and a way to read note bodies in; a `Brief` out, and
Markdown from it (`iiv brief` prints it, `/brief/...` renders it, both printable).

Questions: the interview's own `## Questions` first, then suggestions from the vault's
question bank (notes tagged `questions`; built-in questions when there is none), grouped as
TIARA (Trends, Insights, Advice, Resources, Assignments), closing with the method's question.
A bank question is grouped by the heading above it when that heading names a TIARA group,
else by the words it uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from iiv.links import Link, find_links
from iiv.note import Note
from iiv.sections import items
from iiv.snapshot import Vault
from iiv.targets import Employers

TIARA = ("Trends", "Insights", "Advice", "Resources", "Assignments")
CLOSING = "Who else should I talk to? May I mention your name?"
BANK_TAG = "questions"
PER_GROUP = 2  # suggestions per TIARA group: a meeting has room for 8-10 questions
HEADING_RE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$")
ITEM_RE = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?!\[[^\]]\])(.+)$")
# words that place a bank question in a TIARA group, when its heading does not
CUES = {
    "Trends": ("trend", "change", "changing", "future", "next year", "industry", "market"),
    "Insights": ("surprise", "typical", "week", "like", "wish you had known", "how did you"),
    "Advice": ("advice", "in my place", "what would you", "should i", "would i be", "good at"),
    "Resources": ("read", "follow", "book", "resource", "community", "event", "course"),
    "Assignments": ("project", "try", "build", "practise", "practice", "sample", "test"),
}
BUILT_IN_BANK = {
    "Trends": (
        "What is changing in your field that people outside it have not noticed yet?",
        "Where do you see your team's work going in the next two years?",
    ),
    "Insights": (
        "What surprised you most when you started in this role?",
        "What does a typical week look like for you?",
    ),
    "Advice": (
        "If you were in my position, what would you do next?",
        "What do you wish you had known before you moved into this work?",
    ),
    "Resources": (
        "Which people, communities or writing should I know about?",
        "Which events are worth the time?",
    ),
    "Assignments": (
        "Is there a small project I could take on to test this interest?",
        "What could I do in the next month that would teach me the most?",
    ),
}


@dataclass(frozen=True)
class Person:
    name: str
    role: str | None
    company: str | None
    source: str | None
    introduced_by: str | None
    introduced: tuple[str, ...]  # whom they introduced you to


@dataclass(frozen=True)
class Earlier:
    title: str
    when: str
    status: str
    takeaways: tuple[str, ...]


@dataclass(frozen=True)
class Company:
    name: str
    note: str | None  # the company note's title, for a link
    motivation: int | None
    posting: int | None
    others: tuple[tuple[str, str | None], ...]  # (name, role) of the other people there


@dataclass(frozen=True)
class Brief:
    title: str
    when: str | None
    medium: str | None
    goal: str | None
    people: tuple[Person, ...]
    earlier: tuple[Earlier, ...]
    promises: tuple[str, ...]
    companies: tuple[Company, ...]
    questions: tuple[str, ...]  # the interview's own
    suggestions: tuple[tuple[str, tuple[str, ...]], ...]  # (TIARA group, questions)


Bodies = Callable[[str], str]  # a note's path → its body


def brief(vault: Vault, interview: Note, bodies: Bodies) -> Brief:
    """The brief of `interview` (read with its body)."""
    people = [p for p in (vault.person(link) for link in interview.people) if p is not None]
    employers = Employers(vault)
    return Brief(
        title=interview.title,
        when=_when(interview),
        medium=interview.medium,
        goal=interview.goal,
        people=tuple(_person(vault, p) for p in people),
        earlier=tuple(_earlier(vault, interview, people, bodies)),
        promises=tuple(_promises(vault, people)),
        companies=tuple(_companies(vault, employers, people)),
        questions=tuple(items(interview.body, "Questions")),
        suggestions=suggestions(_bank(vault, bodies), exclude=items(interview.body, "Questions")),
    )


def suggestions(
    bank: Iterable[tuple[str | None, str]], exclude: Iterable[str] = ()
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Up to PER_GROUP questions per TIARA group from (heading, question) pairs; a group
    without any takes the built-in bank's. The method's closing question is asked anyway."""
    grouped: dict[str, list[str]] = {group: [] for group in TIARA}
    skip = {_plain(q) for q in exclude}
    for heading, question in bank:
        group = tiara_group(heading, question)
        if group and _plain(question) not in skip and not _closing(question):
            grouped[group].append(question)
    for group in TIARA:  # a group the vault's bank leaves empty: the built-in questions
        if not grouped[group]:
            grouped[group] = [q for q in BUILT_IN_BANK[group] if _plain(q) not in skip]
    return tuple((group, tuple(grouped[group][:PER_GROUP])) for group in TIARA if grouped[group])


def tiara_group(heading: str | None, question: str) -> str | None:
    """The TIARA group of a bank question: its heading's, else the first whose cue it uses."""
    for group in TIARA:
        if heading and heading.strip().lower().startswith(group.lower()):
            return group
    text = question.lower()
    for group in TIARA:
        if any(cue in text for cue in CUES[group]):
            return group
    return None


def _bank(vault: Vault, bodies: Bodies) -> list[tuple[str | None, str]]:
    """(heading, question) for each question of the vault's question bank notes."""
    found: list[tuple[str | None, str]] = []
    banks = sorted(
        (n for n in vault.notes.values() if BANK_TAG in n.tags and not n.conflict_of),
        key=lambda n: n.path,
    )
    for note in banks:
        heading: str | None = None
        for line in bodies(note.path).splitlines():
            title = HEADING_RE.match(line)
            item = ITEM_RE.match(line)
            if title:
                heading = title.group(1)
            elif item and item.group(1).rstrip().endswith("?"):
                found.append((heading, " ".join(item.group(1).split())))
    return found


def _closing(question: str) -> bool:
    return "who else should i talk to" in question.lower()


def _plain(text: str) -> str:
    return " ".join(re.sub(r"\W+", " ", text.lower()).split())


def _person(vault: Vault, person: Note) -> Person:
    introducer = vault.person(person.introduced_by) if person.introduced_by else None
    introduced = sorted(
        p.title for p in vault.people if p.introduced_by and vault.person(p.introduced_by) is person
    )
    return Person(
        name=person.title,
        role=person.role,
        company=person.company,
        source=person.source,
        introduced_by=introducer.title if introducer else _text(person.introduced_by),
        introduced=tuple(introduced),
    )


def _text(link: Link | None) -> str | None:
    return link.text if link else None


def _earlier(
    vault: Vault, interview: Note, people: list[Note], bodies: Bodies
) -> Iterable[Earlier]:
    """Every other conversation with them, oldest first, with its takeaways."""
    paths = {p.path for p in people}
    others = [
        n
        for n in vault.interviews
        if n.path != interview.path
        and any((vault.person(link) or n).path in paths for link in n.people)
    ]
    others.sort(key=lambda n: (n.date or n.requested or date.min, n.path))
    for note in others:
        takeaways = items(bodies(note.path), "Takeaways") if note.status == "done" else []
        yield Earlier(
            note.title, _when(note) or "no date", note.status or "no status", tuple(takeaways)
        )


def _promises(vault: Vault, people: list[Note]) -> Iterable[str]:
    """Open tasks about them: in their notes, in conversations with them, or naming them."""
    paths = {p.path for p in people}
    for note in sorted(vault.notes.values(), key=lambda n: n.path):
        if note.conflict_of:
            continue
        about = note.path in paths or (
            note.kind == "interview"
            and any((vault.person(link) or note).path in paths for link in note.people)
        )
        for task in note.tasks:
            if not task.is_open:
                continue
            named = any(
                (vault.person(link) or note).path in paths for link in find_links(task.description)
            )
            if about or named:
                due = f" (due {task.when})" if task.when else ""
                yield f"{task.description or '(task)'}{due} — [[{note.stem}]]"


def _companies(vault: Vault, employers: Employers, people: list[Note]) -> Iterable[Company]:
    seen: set[str] = set()
    for person in people:
        employer = employers.of(person)
        if employer is None or employer in seen:
            continue
        seen.add(employer)
        note = employers.note(employer)
        others = tuple(
            (p.title, p.role)
            for p in employers.people(employer)
            if p.path not in {q.path for q in people}
        )
        yield Company(
            name=employers.name(employer),
            note=note.stem if note else None,
            motivation=note.motivation if note else None,
            posting=note.posting if note else None,
            others=others,
        )


def _when(note: Note) -> str | None:
    if note.date is None:
        return None
    day = f"{note.date:%A} {note.date.day} {note.date:%B %Y}"
    return f"{day}, {note.time}" if note.time else day


def to_markdown(b: Brief) -> str:
    """The brief as Markdown, with wikilinks to the notes it names."""
    lines = [f"# Brief: {b.title}", ""]
    facts = [("When", " · ".join(x for x in (b.when, b.medium) if x)), ("Goal", b.goal or "")]
    lines += [f"- **{label}:** {value}" for label, value in facts if value]
    for person in b.people:
        lines += ["", *_person_lines(person)]
    lines += ["", "## Earlier conversations", ""]
    lines += _earlier_lines(b.earlier) or ["None: this is the first."]
    lines += ["", "## Promises open", ""]
    lines += [f"- {promise}" for promise in b.promises] or ["Nothing open either way."]
    for company in b.companies:
        lines += ["", *_company_lines(company)]
    lines += ["", "## Questions", ""]
    lines += _question_lines(b)
    return "\n".join(lines) + "\n"


def _person_lines(person: Person) -> list[str]:
    what = " at ".join(x for x in (person.role, person.company) if x)
    lines = [f"## [[{person.name}]]" + (f": {what}" if what else ""), ""]
    if person.source:
        lines.append(f"- **How you met:** {person.source}")
    if person.introduced_by:
        lines.append(f"- **Introduced by:** [[{person.introduced_by}]]")
    if person.introduced:
        lines.append("- **Introduced you to:** " + ", ".join(f"[[{n}]]" for n in person.introduced))
    return lines


def _earlier_lines(earlier: tuple[Earlier, ...]) -> list[str]:
    lines: list[str] = []
    for talk in earlier:
        lines.append(f"- [[{talk.title}]] ({talk.when}, {talk.status})")
        lines += [f"  - {takeaway}" for takeaway in talk.takeaways]
    return lines


def _company_lines(company: Company) -> list[str]:
    title = company.name
    if company.note:
        title = (
            f"[[{company.note}]]" if company.note == company.name else f"[[{company.note}|{title}]]"
        )
    lines = [f"## {title}", ""]
    scores = [
        f"motivation {company.motivation}" if company.motivation is not None else "",
        f"posting {company.posting}" if company.posting is not None else "",
    ]
    if any(scores):
        lines.append("- **Your scores:** " + ", ".join(s for s in scores if s))
    others = [f"[[{name}]]" + (f" ({role})" if role else "") for name, role in company.others]
    lines.append("- **Others there:** " + (", ".join(others) if others else "nobody else yet"))
    return lines


def _question_lines(b: Brief) -> list[str]:
    lines: list[str] = []
    if b.questions:
        lines += ["### Yours", "", *(f"{n}. {q}" for n, q in enumerate(b.questions, 1)), ""]
    for group, questions in b.suggestions:
        lines += [f"### {group}", "", *(f"- {q}" for q in questions), ""]
    return [*lines, "### To close", "", f"- {CLOSING}"]
