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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from iiv.note import Note
from iiv.snapshot import Vault

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

    @property
    def goal_met(self) -> bool:
        return self.done_this_month >= self.monthly_goal


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
