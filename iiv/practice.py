"""The practice at a glance: requests, answers, this month's interviews and the streak.

Pure: a vault snapshot and `today` in, numbers out. The totals of a snapshot
(`practice_totals`) do not depend on the day, so a page can keep them for as long as the snapshot.

- A *request* is an interview with a `requested` date, or with a status that only follows an
  ask (`requested`, `declined`, `no-reply`). Interviews arranged without an ask (an
  introduction, a friend) are not requests.
- An *answer* is a request that moved past `requested`: `scheduled`, `done`, `cancelled`
  (agreed, then called off) or `declined`. `requested`, `no-reply` and `prospect` are not.
- The *acceptance rate* is the share of answers that were a yes: scheduled, done or cancelled
  out of all answers. Requests still waiting, or never answered, do not count against it.
- The *streak* counts consecutive calendar months with at least one `done` interview, ending
  this month, or last month while this month has none yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from iiv.note import Note
from iiv.snapshot import Vault
from iiv.targets import Employers

ASKED = ("requested", "declined", "no-reply")
YES = ("scheduled", "done", "cancelled")
ANSWERED = (*YES, "declined")


@dataclass(frozen=True)
class PracticeStats:
    requests: int  # asks sent
    answers: int  # asks that got a yes or a no
    accepted: int  # answers that were a yes
    done_this_month: int
    monthly_goal: int
    streak: int  # consecutive months with a done interview

    @property
    def acceptance(self) -> int | None:
        """Accepted answers as a whole percentage, or None before the first answer."""
        return round(100 * self.accepted / self.answers) if self.answers else None


def practice_stats(vault: Vault, today: date) -> PracticeStats:
    return practice_totals(vault).on(today, vault.config.monthly_goal)


@dataclass(frozen=True)
class PracticeTotals:
    """What the statistics need from a snapshot, whatever the day: one pass over the interviews.

    `PracticeTotals.on` then answers for any day without looking at a note again.
    """

    requests: int
    answers: int
    accepted: int
    done_by_month: Mapping[int, int]  # month (`year * 12 + month - 1`) → done interviews

    def on(self, today: date, monthly_goal: int) -> PracticeStats:
        month = _month(today)
        return PracticeStats(
            requests=self.requests,
            answers=self.answers,
            accepted=self.accepted,
            done_this_month=self.done_by_month.get(month, 0),
            monthly_goal=monthly_goal,
            streak=streak(self.done_by_month, month),
        )


def practice_totals(vault: Vault) -> PracticeTotals:
    requests = answers = accepted = 0
    done_by_month: Counter[int] = Counter()
    for note in vault.interviews:
        status = note.status
        if status == "done" and note.date:
            done_by_month[_month(note.date)] += 1
        if not is_request(note):
            continue
        requests += 1
        if status in ANSWERED:
            answers += 1
            if status in YES:
                accepted += 1
    return PracticeTotals(requests, answers, accepted, dict(done_by_month))


def is_request(note: Note) -> bool:
    return note.requested is not None or note.status in ASKED


def streak(months: Iterable[int], this_month: int) -> int:
    """Consecutive months (as `year * 12 + month - 1`) in `months`, ending this month or last."""
    present = set(months)
    month = this_month if this_month in present else this_month - 1
    count = 0
    while month in present:
        count += 1
        month -= 1
    return count


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


# The numbers of `/practice` and `iiv stats`: the whole practice, as the method measures it.

BOOSTER_DAYS = 3  # an answer within 3 business days: a Booster; later: an Obligate
NORMAL_REPLY = (20, 40)  # the reply rate, in percent, that the method calls normal
MONTHS = 12
NO_VALUE, INTRODUCTION = "(none)", "introduction"
MAX_LABEL = 60  # characters of a source shown


@dataclass(frozen=True)
class Speed:
    """How requests were answered: within BOOSTER_DAYS business days (Boosters), later
    (Obligates), never (Curmudgeons: marked no-reply); answered on a day not recorded; waiting."""

    boosters: int
    obligates: int
    curmudgeons: int
    unknown: int
    waiting: int


@dataclass(frozen=True)
class Rate:
    name: str
    requests: int
    answers: int

    @property
    def rate(self) -> int | None:
        return round(100 * self.answers / self.requests) if self.requests else None

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "requests": self.requests,
            "answers": self.answers,
            "rate": self.rate,
        }


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    requests: int  # requests sent that month
    conversations: int  # conversations held (done) that month


@dataclass(frozen=True)
class Introduction:
    """A person and the people they introduced you to, and so on."""

    name: str
    path: str
    introduced: tuple[Introduction, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "path": self.path,
            "introduced": [child.to_json() for child in self.introduced],
        }


@dataclass(frozen=True)
class Report:
    today: date
    stats: PracticeStats
    speed: Speed
    funnel: tuple[tuple[str, int], ...]
    by_source: tuple[Rate, ...]
    by_medium: tuple[Rate, ...]
    by_company: tuple[Rate, ...]
    months: tuple[Month, ...]
    introductions: tuple[Introduction, ...]

    @property
    def reply_rate(self) -> int | None:
        """Answers, yes or no, out of every request sent, in percent."""
        s = self.stats
        return round(100 * s.answers / s.requests) if s.requests else None

    def to_json(self) -> dict[str, object]:
        s = self.stats
        return {
            "today": self.today.isoformat(),
            "requests": s.requests,
            "answers": s.answers,
            "accepted": s.accepted,
            "reply_rate": self.reply_rate,
            "normal_reply_rate": list(NORMAL_REPLY),
            "acceptance": s.acceptance,
            "speed": {
                "boosters": self.speed.boosters,
                "obligates": self.speed.obligates,
                "curmudgeons": self.speed.curmudgeons,
                "unknown": self.speed.unknown,
                "waiting": self.speed.waiting,
            },
            "funnel": [{"stage": stage, "count": count} for stage, count in self.funnel],
            "by_source": [rate.to_json() for rate in self.by_source],
            "by_medium": [rate.to_json() for rate in self.by_medium],
            "by_company": [rate.to_json() for rate in self.by_company],
            "months": [
                {"month": m.month, "requests": m.requests, "conversations": m.conversations}
                for m in self.months
            ],
            "done_this_month": s.done_this_month,
            "monthly_goal": s.monthly_goal,
            "streak": s.streak,
            "introductions": [node.to_json() for node in self.introductions],
        }


def report(vault: Vault, today: date) -> Report:
    """Every number of the practice as of `today`."""
    requests = [note for note in vault.interviews if is_request(note)]
    employers = Employers(vault)
    return Report(
        today=today,
        stats=practice_stats(vault, today),
        speed=speed(vault, requests),
        funnel=funnel(vault),
        by_source=_rates(requests, lambda n: _source(vault, n)),
        by_medium=_rates(requests, lambda n: n.medium.strip().lower() if n.medium else None),
        by_company=_rates(requests, lambda n: _company(employers, vault, n)),
        months=months(vault, today),
        introductions=introductions(vault),
    )


def speed(vault: Vault, requests: Iterable[Note]) -> Speed:
    week = vault.config.workweek
    counts = Counter[str]()
    for note in requests:
        if note.status == "no-reply":
            counts["curmudgeons"] += 1
        elif note.status not in ANSWERED:
            counts["waiting"] += 1
        elif note.requested is None or note.answered is None:
            counts["unknown"] += 1
        elif week.between(note.requested, note.answered) <= BOOSTER_DAYS:
            counts["boosters"] += 1
        else:
            counts["obligates"] += 1
    return Speed(
        counts["boosters"],
        counts["obligates"],
        counts["curmudgeons"],
        counts["unknown"],
        counts["waiting"],
    )


def funnel(vault: Vault) -> tuple[tuple[str, int], ...]:
    """Prospects (every conversation considered) → requests → answers → conversations held →
    thank-yous sent → referrals (people someone introduced you to)."""
    interviews = vault.interviews
    done = [n for n in interviews if n.status == "done"]
    return (
        ("prospects", len(interviews)),
        ("requests", sum(1 for n in interviews if is_request(n))),
        ("answers", sum(1 for n in interviews if is_request(n) and n.status in ANSWERED)),
        ("conversations", len(done)),
        ("thank-yous", sum(1 for n in done if _thanked(n))),
        ("referrals", sum(1 for p in vault.people if p.introduced_by is not None)),
    )


def months(vault: Vault, today: date) -> tuple[Month, ...]:
    """Requests sent and conversations held in each of the last MONTHS months, oldest first."""
    this = _month(today)
    wanted = range(this - MONTHS + 1, this + 1)
    sent = Counter(_month(n.requested) for n in vault.interviews if n.requested)
    held = Counter(_month(n.date) for n in vault.interviews if n.status == "done" and n.date)
    return tuple(
        Month(f"{m // 12:04d}-{m % 12 + 1:02d}", sent.get(m, 0), held.get(m, 0)) for m in wanted
    )


def introductions(vault: Vault) -> tuple[Introduction, ...]:
    """Who introduced whom, as trees from the people nobody introduced to you."""
    children: dict[str, list[Note]] = {}
    introduced: set[str] = set()
    for person in vault.people:
        introducer = vault.person(person.introduced_by) if person.introduced_by else None
        if introducer is not None and introducer.path != person.path:
            children.setdefault(introducer.path, []).append(person)
            introduced.add(person.path)
    roots = [p for p in vault.people if p.path in children and p.path not in introduced]
    if not roots and children:  # everyone introduced by someone: a circle; start anywhere
        roots = [vault.notes[min(children)]]
    return tuple(_tree(person, children, set()) for person in sorted(roots, key=_by_name))


def _tree(person: Note, children: dict[str, list[Note]], seen: set[str]) -> Introduction:
    seen.add(person.path)
    below = [c for c in sorted(children.get(person.path, []), key=_by_name) if c.path not in seen]
    return Introduction(person.title, person.path, tuple(_tree(c, children, seen) for c in below))


def _by_name(person: Note) -> tuple[str, str]:
    return (person.title.casefold(), person.path)


def _thanked(note: Note) -> bool:
    return note.thanked is not None or any(
        task.is_done and "thank" in task.description.lower() for task in note.tasks
    )


def _rates(requests: list[Note], group: Callable[[Note], str | None]) -> tuple[Rate, ...]:
    """Requests and answers per group, most requests first; notes without a group together."""
    sent: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    for note in requests:
        name = group(note) or NO_VALUE
        sent[name] += 1
        answered[name] += note.status in ANSWERED
    ordered = sorted(sent, key=lambda name: (-sent[name], name.casefold()))
    return tuple(Rate(name, sent[name], answered[name]) for name in ordered)


def _person(vault: Vault, note: Note) -> Note | None:
    return vault.person(note.people[0]) if note.people else None


def _source(vault: Vault, note: Note) -> str | None:
    """How you came to ask: an introduction, else the person's `source` as written."""
    person = _person(vault, note)
    if person is None:
        return None
    if person.introduced_by is not None:
        return INTRODUCTION
    source = " ".join((person.source or "").split())
    return (source[: MAX_LABEL - 1] + "…" if len(source) > MAX_LABEL else source) or None


def _company(employers: Employers, vault: Vault, note: Note) -> str | None:
    person = _person(vault, note)
    employer = employers.of(person) if person else None
    return employers.name(employer) if employer else None
