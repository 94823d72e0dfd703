"""The six-point email: the method's checks of a first request, each a pure function.

Steve Dalton's six points for a message asking for an informational interview: under 75
words; the ask is a question; the connection comes first; no word about a job; more of it about
them than about you; the interest stated. Each check takes the message's text (and what it
needs to know) and returns a `Check`: whether it holds, and why, in words a user can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_WORDS = 75
WORD_RE = re.compile(r"[\w'’-]+")
SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
JOB_WORDS_RE = re.compile(
    r"\b(jobs?|positions?|openings?|hiring|vacanc(?:y|ies)|r[eé]sum[eé]s?|cvs?)\b", re.IGNORECASE
)
THEM = {"you", "your", "yours", "yourself", "you're", "you’re", "you've", "you’ve", "you'd"}
ME = {"i", "me", "my", "mine", "myself", "i'm", "i’m", "i've", "i’ve", "i'd", "i’d", "i'll"}
# how a first sentence says where you found someone, when nobody introduced you
FOUND_WORDS = (
    "suggested",
    "introduced",
    "recommended",
    "mentioned",
    "referred",
    "found",
    "saw",
    "read",
    "heard",
    "met",
    "fellow",
    "alum",
    "alumni",
    "alumna",
    "alumnus",
    "talk",
    "article",
    "post",
    "both",
)
GREETING_RE = re.compile(r"^(hi|hello|dear|hey|good (morning|afternoon|evening))\b", re.IGNORECASE)
QUOTE_CHARS = 60  # of a sentence quoted in a reason


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    why: str

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "why": self.why}


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def short(text: str) -> Check:
    count = len(words(text))
    if count < MAX_WORDS:
        return Check("short", True, f"{count} words: under {MAX_WORDS}, quick to read")
    return Check("short", False, f"{count} words: cut it to under {MAX_WORDS}")


def asks_a_question(text: str) -> Check:
    questions = [s.strip() for s in _sentences(text) if s.strip().endswith("?")]
    if questions:
        return Check("question", True, f"the ask is a question: {_quote(questions[-1])}")
    return Check(
        "question", False, "no sentence ends in '?': ask a question they can answer with yes"
    )


def connection_first(text: str, connection: str | None) -> Check:
    """The first sentence after the greeting says who introduced you (`connection`, a name),
    or, without one, how you found them."""
    first = next(iter(_sentences(_without_greeting(text))), "").strip()
    if connection:
        names = {connection.casefold(), connection.split()[0].casefold()} if connection else set()
        if any(name in first.casefold() for name in names):
            return Check("connection", True, f"it opens with {connection}: {_quote(first)}")
        return Check("connection", False, f"open with who introduced you: {connection}")
    found = {word.casefold() for word in words(first)} & set(FOUND_WORDS)
    if found:
        return Check("connection", True, f"it opens with how you found them: {_quote(first)}")
    return Check(
        "connection",
        False,
        "open with how you found them (a talk, an article, a shared school or employer)",
    )


def no_job_words(text: str) -> Check:
    found = sorted({match.group(0).lower() for match in JOB_WORDS_RE.finditer(text)})
    if not found:
        return Check("no-job", True, "no job words: it asks for insight and advice, not a job")
    listed = ", ".join(found)
    return Check("no-job", False, f"it mentions {listed}: ask for insight and advice, not a job")


def about_them(text: str) -> Check:
    counted = [word.casefold() for word in words(text)]
    them = sum(1 for word in counted if word in THEM)
    me = sum(1 for word in counted if word in ME)
    summary = f"{them} you/your against {me} I/me/my"
    if them > me:
        return Check("about-them", True, f"{summary}: more of it is about them")
    return Check("about-them", False, f"{summary}: write more about them than about yourself")


def interest_stated(text: str, goal: str | None) -> Check:
    """The goal (what you want to learn) is in the message, or most of its words are."""
    if not goal:
        return Check("interest", False, "no goal: say what you want to learn (the goal: property)")
    wanted = _content_words(goal)
    present = wanted & _content_words(text)
    if goal.casefold() in text.casefold() or (wanted and len(present) * 2 > len(wanted)):
        return Check("interest", True, f"it says what you want to learn: {_quote(goal)}")
    return Check("interest", False, f"say what you want to learn: {_quote(goal)}")


def six_points(text: str, connection: str | None, goal: str | None) -> list[Check]:
    """Every check of a first request, in the method's order."""
    return [
        short(text),
        asks_a_question(text),
        connection_first(text, connection),
        no_job_words(text),
        about_them(text),
        interest_stated(text, goal),
    ]


def _sentences(text: str) -> Iterable[str]:
    return (match.group(0) for match in SENTENCE_RE.finditer(text) if match.group(0).strip())


def _without_greeting(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if lines and GREETING_RE.match(lines[0].strip()) and len(words(lines[0])) <= 6:
        lines = lines[1:]
    return "\n".join(lines)


def _content_words(text: str) -> set[str]:
    return {word.casefold() for word in words(text) if len(word) > 3}


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text}”" if len(text) <= QUOTE_CHARS else f"“{text[: QUOTE_CHARS - 1]}…”"
