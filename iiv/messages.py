"""Drafts of the method's messages: a request, a nudge, a thank-you, a report-back, a referral.

Pure: a vault snapshot, a note (with its body), a template's text and `today` in, a `Draft`
out. A template is the vault's `templates/messages/KIND.md` or the built-in one: a first line
`Subject: ...`, then the body, with placeholders filled from the note and its person:

`{{first_name}}`, `{{name}}`, `{{company}}`, `{{role}}`: who the message is to;
`{{introduced_by}}`, `{{introduced_by_first_name}}`: who introduced them to you;
`{{connection}}`: the sentence that opens a request (who introduced you, else how you found them);
`{{goal}}`: what you want to learn (the interview's `goal`); `{{date}}`, `{{requested}}`: the
conversation's day and the request's; `{{medium}}`; `{{takeaway}}`: the first of the
interview's `## Takeaways`; `{{about}}`, `{{about_first_name}}`: in a report-back, the person
you met; `{{me}}`: your name, iiv.yaml's `me:`.

A value the vault does not have shows as `[company]`, for you to fill in. The built-in
templates are written to the method's standard: a request passes the six-point check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from iiv.config import Config
from iiv.errors import BadArgument
from iiv.note import Note
from iiv.sections import items
from iiv.sixpoint import Check, asks_a_question, no_job_words, short, six_points
from iiv.snapshot import Vault

KINDS = ("request", "nudge", "thank-you", "report-back", "referral")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
SUBJECT_RE = re.compile(r"subject:[ \t]*(.*)", re.IGNORECASE)

REQUEST = """\
Subject: A question about your work at {{company}}

Hi {{first_name}},

{{connection}} Your experience as {{role}} at {{company}} would help me with one goal: {{goal}}.

Would you have 20 minutes in the next few weeks to share your insight and advice?

Thank you,
{{me}}
"""

REFERRAL = """\
Subject: {{introduced_by_first_name}} suggested I get in touch

Hi {{first_name}},

{{introduced_by}} suggested I write to you. Your experience as {{role}} at {{company}} would \
help me with one goal: {{goal}}.

Would you have 20 minutes in the next few weeks to share your insight and advice?

Thank you,
{{me}}
"""

NUDGE = """\
Subject: Re: A question about your work at {{company}}

Hi {{first_name}},

A short follow-up to my note of {{requested}}, in case it got buried. Your advice would still \
help me a great deal with one goal: {{goal}}.

Would 20 minutes in the next few weeks work for you?

Thank you,
{{me}}
"""

THANK_YOU = """\
Subject: Thank you, {{first_name}}

Hi {{first_name}},

Thank you for the {{medium}} on {{date}}, and for your time and advice. What stays with me \
most: {{takeaway}}.

I will let you know what comes of it.

With thanks,
{{me}}
"""

REPORT_BACK = """\
Subject: {{about_first_name}} and I spoke: thank you

Hi {{first_name}},

Thank you again for introducing me to {{about}}. We spoke on {{date}}, and your introduction \
made it an easy start. What stays with me most: {{takeaway}}.

I will keep you posted on what comes of it.

{{me}}
"""

BUILT_IN = {
    "request": REQUEST,
    "referral": REFERRAL,
    "nudge": NUDGE,
    "thank-you": THANK_YOU,
    "report-back": REPORT_BACK,
}


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


@dataclass(frozen=True)
class Draft:
    kind: str
    to: str | None  # the recipient's e-mail address, if the vault has one
    recipient: str | None  # their name
    subject: str
    body: str
    checks: tuple[Check, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "body": self.body,
            "to": self.to,
            "checks": [check.to_json() for check in self.checks],
        }


def parse_template(text: str) -> Template:
    """`Subject: ...` on the first line, then the body (a blank line between is dropped)."""
    lines = text.replace("\r\n", "\n").split("\n")
    match = SUBJECT_RE.fullmatch(lines[0].strip()) if lines else None
    if match is None:
        return Template("", text.strip("\n") + "\n")
    rest = lines[1:]
    while rest and not rest[0].strip():
        rest = rest[1:]
    return Template(match.group(1).strip(), "\n".join(rest).strip("\n") + "\n")


def first_name(name: str) -> str:
    """`Dr. Amara Okafor` → `Amara`; a name the parser cannot split stays whole."""
    from nameparser import HumanName  # only for drafts: `iiv due` does not pay for it

    first = str(HumanName(name).first).strip()
    if first:
        return first
    return name.split()[0] if name.split() else name


def fill(template: str, values: dict[str, str | None]) -> str:
    """Every `{{key}}` replaced by its value, a missing one by `[key]`; unknown keys are kept."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            return match.group(0)
        found = values[key]
        return found if found else f"[{key.replace('_', ' ')}]"

    return PLACEHOLDER_RE.sub(value, template)


@dataclass(frozen=True)
class Parties:
    """Who a message is to, who it is about, and the conversation it belongs to."""

    recipient: Note | None
    person: Note | None  # the person of the note (the one met, for a report-back)
    interview: Note | None


def parties(vault: Vault, note: Note, kind: str) -> Parties:
    """The recipient and context of a `kind` message about `note` (an interview or a person)."""
    if note.kind == "interview":
        person = vault.person(note.people[0]) if note.people else None
        interview: Note | None = note
    elif note.kind == "person":
        person, interview = note, _latest_interview(vault, note)
    else:
        raise BadArgument(f"{note.path}: a draft needs an interview or a person note")
    recipient = person
    if kind == "report-back":
        introducer = person.introduced_by if person else None
        if introducer is None:
            who = person.title if person else "this person"
            raise BadArgument(f"{note.path}: nobody introduced {who} (no introduced_by:)")
        recipient = vault.person(introducer)
    return Parties(recipient, person, interview)


def suggested_kind(vault: Vault, note: Note) -> str | None:
    """The message an interview's status calls for next, or None."""
    person = vault.person(note.people[0]) if note.kind == "interview" and note.people else None
    if note.kind == "person":
        person = note
    introduced = person is not None and person.introduced_by is not None
    status = note.status if note.kind == "interview" else "prospect"
    if status == "prospect":
        return "referral" if introduced else "request"
    if status == "requested":
        return "nudge"
    if status == "done":
        return "thank-you" if note.thanked is None else "report-back" if introduced else None
    return None


def kinds_for(vault: Vault, note: Note) -> list[str]:
    """The kinds of message that make sense for a note: a report-back only when someone
    introduced its person."""
    person = vault.person(note.people[0]) if note.kind == "interview" and note.people else None
    if note.kind == "person":
        person = note
    introduced = person is not None and person.introduced_by is not None
    return [kind for kind in KINDS if introduced or kind != "report-back"]


def draft(
    vault: Vault, note: Note, kind: str, template_text: str, today: date, config: Config
) -> Draft:
    """The message of `kind` about `note`, from the template's text; `note` has its body."""
    if kind not in KINDS:
        raise BadArgument(f"no message kind {kind!r}: choose one of {', '.join(KINDS)}")
    who = parties(vault, note, kind)
    values = _values(vault, who, note, today, config)
    template = parse_template(template_text)
    body = fill(template.body, values)
    subject = " ".join(fill(template.subject, values).split())
    recipient = who.recipient
    return Draft(
        kind=kind,
        to=recipient.email if recipient else None,
        recipient=recipient.title if recipient else None,
        subject=subject,
        body=body,
        checks=tuple(_checks(kind, body, values)),
    )


def _checks(kind: str, body: str, values: dict[str, str | None]) -> list[Check]:
    if kind in ("request", "referral"):
        connection = values["introduced_by"] if kind == "referral" else None
        return six_points(body, connection, values["goal"])
    if kind == "nudge":
        return [short(body), asks_a_question(body), no_job_words(body)]
    return [short(body), no_job_words(body)]


def _values(
    vault: Vault, who: Parties, note: Note, today: date, config: Config
) -> dict[str, str | None]:
    recipient, person, interview = who.recipient, who.person, who.interview
    introducer = (
        vault.person(recipient.introduced_by) if recipient and recipient.introduced_by else None
    )
    introduced_by = introducer.title if introducer else _link_text(recipient)
    day = interview.date if interview and interview.date else today
    return {
        "first_name": first_name(recipient.title) if recipient else None,
        "name": recipient.title if recipient else None,
        "company": recipient.company if recipient else None,
        "role": recipient.role if recipient else None,
        "introduced_by": introduced_by,
        "introduced_by_first_name": first_name(introduced_by) if introduced_by else None,
        "connection": _connection(recipient, introduced_by),
        "goal": interview.goal if interview else None,
        "date": _day(day),
        "requested": _day(interview.requested) if interview and interview.requested else None,
        "medium": interview.medium if interview and interview.medium else "conversation",
        "takeaway": _takeaway(note),
        "about": person.title if person else None,
        "about_first_name": first_name(person.title) if person else None,
        "me": config.me,
    }


def _link_text(note: Note | None) -> str | None:
    return note.introduced_by.text if note and note.introduced_by else None


def _connection(recipient: Note | None, introduced_by: str | None) -> str:
    """The first sentence of a request: who introduced you, else where you found them."""
    if introduced_by:
        return f"{introduced_by} suggested I write to you."
    source = recipient.source if recipient else None
    if source:
        return f"I found you through {_continuing(source).rstrip('.')}."
    company = recipient.company if recipient and recipient.company else "[company]"
    return f"I read about your work at {company}."


def _continuing(text: str) -> str:
    """Text that continues a sentence: `Her talk` → `her talk`, `LinkedIn` stays."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _takeaway(note: Note) -> str | None:
    found = items(note.body, "Takeaways") if note.kind == "interview" else []
    return found[0].rstrip(".") if found else None


def _day(day: date) -> str:
    return f"{day.day} {day:%B}"


def _latest_interview(vault: Vault, person: Note) -> Note | None:
    theirs = [n for n in vault.interviews if any(vault.person(link) is person for link in n.people)]
    return max(theirs, key=lambda n: (n.date or n.requested or date.min, n.path), default=None)
