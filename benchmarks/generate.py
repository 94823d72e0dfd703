"""A deterministic vault of any size: people, interviews, and plain notes (most of a real vault).

The same seed and size give the same bytes on any machine. Bodies are sentences of words drawn
from a Zipf distribution (real English words first, then invented ones for the long tail), so
the index sees a realistic vocabulary. Dates sit around `TODAY`, so the due list has overdue,
due-today and upcoming items. The manifest tells the runner what the vault holds and which
queries to time (a person's name, a company, a tag, a rare word, common words, a phrase).

    python -m benchmarks.generate --notes 10000 --out /tmp/vault-10k
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

GENERATOR_VERSION = 1
TODAY = date(2026, 12, 1)
MANIFEST = "manifest.json"  # written beside the vault, never inside it
RARE_WORD = "quincunx"  # in exactly RARE_COUNT notes
RARE_COUNT = 3
PHRASE = "developer relations"
BURST_WORD = "zephyrburst"  # in every note a burst adds or modifies


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Ada Amara Anya Arjun Beatriz Bilal Camille Carlos Chen Chiara Dara Dmitri Elena Emeka Erik "
    "Fatima Felix Freya Gabriel Grace Hana Hugo Ines Ivan Jamal Jana José Julia Kai Kenji Lars "
    "Layla Leo Lucía Luca Maya Mateo Mei Mira Nadia Nikhil Noor Olga Omar Oskar Priya Rafael "
    "Rania Rohan Rosa Sam Sara Sofia Soren Tariq Tomasz Uma Viktor Wei Yara Yusuf Zoe Aiko Bruno "
    "Clara Diego Eliza Farah Goran Helga Ibrahim Jonas Kaveh Lena Marek Nina Oluwaseun Pablo "
    "Quentin Ruth Stefan Thea Ugo Vera Wanjiru Xavier Yuki Zainab Alma Boris Celia Dev Esme "
    "Filip Greta Hassan Ilse Joaquín Kira Lionel Margit Nils Orla Pieter Ramon Selin Teodor"
)
LAST = _words(
    "Lovelace Okafor Watanabe Bianchi Carvalho Wójcik Liang Haddad Halvorsen Adeyemi Fernández "
    "Ortiz Mehta Nakamura Schmidt Novak Rossi Kowalski Silva Kim Nguyen Hansen Jensen Müller "
    "Dubois Moreau Costa Santos Ivanova Petrov Yilmaz Demir Khan Ahmed Ali Hussain Singh Patel "
    "Sharma Gupta Chen Wang Li Zhang Tanaka Suzuki Sato Park Choi Larsen Berg Lindqvist Virtanen "
    "Korhonen Horvat Kovač Popescu Ionescu Papadopoulos Georgiou Murphy Kelly Walsh O'Brien "
    "Byrne Smith Jones Taylor Brown Wilson Evans Thomas Roberts Walker Wright Green Hall Wood "
    "Clarke Hughes Edwards Turner Baker Fischer Weber Wagner Becker Hoffmann Schulz Koch Richter "
    "Klein Wolf Neumann Schwarz Zimmermann Braun Krüger Hartmann Lange Werner Krause Meier "
    "Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters"
)
COMPANY_A = _words(
    "Northwind Brightwater Bluepeak Copperleaf Driftwood Evergreen Foxglove Granite Harbor "
    "Ironbark Juniper Kestrel Lantern Meridian Nimbus Oakridge Pinecone Quarry Redwood "
    "Silverline Tidewater Umber Vantage Willow Yellowfin Zephyr Amberly Bramble Cinder Dunmore"
)
COMPANY_B = _words(
    "Robotics Analytics Labs Systems Health Energy Studio Software Foods Logistics Media Bank "
    "Insurance Games Books Design Networks Security Cloud Research Foundation Press"
)
ROLES = (
    "Developer advocate",
    "Engineering manager",
    "Product manager",
    "Data scientist",
    "Staff engineer",
    "Designer",
    "Community manager",
    "Technical writer",
    "CTO",
    "Founder",
    "Recruiter",
    "Researcher",
    "Site reliability engineer",
    "Consultant",
    "Teacher",
    "Carpenter",
)
TAGS = _words(
    "mentor devrel career python data design community hiring remote startup research writing "
    "woodworking robotics health climate education finance leadership open-source product "
    "security cloud games music teaching nonprofit ai testing mobile frontend backend ops "
    "sales marketing support legal policy"
)
MEDIUMS = ("coffee", "video", "phone", "lunch", "walk", "video call", "conference")
STATUSES = (
    ("done", 62),
    ("scheduled", 8),
    ("requested", 9),
    ("prospect", 6),
    ("declined", 5),
    ("no-reply", 5),
    ("cancelled", 5),
)
STOP = _words("the of and to a in is it that for on with as was be at by this have from or an are")
COMMON = _words(
    "team product work people time project company question career role manager engineer "
    "learn start year first good help data design code open community conversation advice "
    "skills interview write week month idea plan problem build users customer feedback "
    "hiring process change move growth training course book article talk meetup conference "
    "remote office culture mentor senior junior lead strategy research test review ship "
    "release documentation tutorial example platform tools cloud python software hardware "
    "robot sensor model analysis report budget salary contract freelance startup market "
    "network introduction email follow call meeting coffee lunch notes summary goal lesson "
    "practice habit weekly daily morning evening travel city london berlin manchester remote "
    "portfolio resume application offer negotiation promotion feedback onboarding support "
    "incident deploy service database query latency backend frontend mobile design system "
    "writing editing publish blog newsletter podcast video audience growth metrics funnel "
    "pricing launch roadmap quarter planning estimate deadline scope risk quality craft wood "
    "chisel joint timber workshop sharpen bench saw grain finish teaching students class"
)
SYLLABLES = _words(
    "ka ri to ne mu sa lo vi de ra po li ta me no su ze fa gi ho ju ke la mi na pe qu ro si "
    "tu va we xi ya zo bri cra dro fle gla ple sto tri"
)
TOPICS = ("ideas", "research", "reading", "projects", "meetings", "companies", "learning", "misc")


@dataclass(frozen=True)
class Manifest:
    """What a generated vault holds, and the queries the runner times on it."""

    version: int
    notes: int
    seed: int
    people: int
    interviews: int
    plain: int
    total_bytes: int
    person: str
    company: str
    tag: str
    common: tuple[str, str]
    today: str

    def queries(self) -> dict[str, str]:
        """The fixed mix of searches, by label."""
        return {
            "person": self.person,
            "company": self.company,
            "tag filter": f"tag:{self.tag}",
            "rare word": RARE_WORD,
            "two common words": " ".join(self.common),
            "phrase": f'"{PHRASE}"',
        }

    def rg_patterns(self) -> dict[str, tuple[list[str], list[str]]]:
        """The same searches for ripgrep, by label: (options, patterns), one pass each."""
        fixed = ["--fixed-strings"]
        return {
            "person": (fixed, [self.person]),
            "company": (fixed, [self.company]),
            "tag filter": ([], [rf"^tags:.*\b{self.tag}\b"]),
            "rare word": (fixed, [RARE_WORD]),
            "two common words": (fixed, list(self.common)),  # either word: less work than both
            "phrase": (fixed, [PHRASE]),
        }


class Writer:
    """Draws text from one seeded random generator; every choice goes through `self.rng`."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        words = STOP + COMMON + self._invented(20_000)
        self.words = words
        weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(words))]
        self.cumulative = list(itertools.accumulate(weights))

    def _invented(self, count: int) -> list[str]:
        seen = set(STOP + COMMON)
        found: list[str] = []
        while len(found) < count:
            word = "".join(self.rng.choices(SYLLABLES, k=self.rng.randint(2, 4)))
            if word not in seen:
                seen.add(word)
                found.append(word)
        return found

    def sentence(self, extras: list[str] | None = None) -> str:
        count = self.rng.randint(6, 18)
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=count)
        if extras and self.rng.random() < 0.3:
            words.insert(self.rng.randrange(len(words)), self.rng.choice(extras))
        if self.rng.random() < 0.02:
            words.insert(self.rng.randrange(len(words)), PHRASE)
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, extras: list[str] | None = None) -> str:
        return " ".join(self.sentence(extras) for _ in range(self.rng.randint(2, 6)))

    def bullets(self, count: int, extras: list[str] | None = None) -> str:
        return "\n".join(f"- {self.sentence(extras)}" for _ in range(count))

    def day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def task(self, when: date, age_done: int = 30) -> str:
        action = self.sentence()[:-1]
        if when < TODAY - timedelta(days=age_done) and self.rng.random() < 0.97:
            done = when + timedelta(days=self.rng.randint(0, 3))
            return f"- [x] {action} 📅 {when} ✅ {done}"
        return f"- [ ] {action} 📅 {when}"


@dataclass(frozen=True)
class Person:
    name: str
    company: str


def generate(root: Path, notes: int, seed: int = 1) -> Manifest:
    """Write a vault of `notes` notes into the empty or missing folder `root`."""
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise ValueError(f"{root} is not empty")
    writer = Writer(seed)
    rng = writer.rng
    n_people = max(5, notes * 12 // 100)
    n_interviews = max(5, notes * 20 // 100)
    n_plain = notes - n_people - n_interviews
    companies = [f"{a} {b}" for a, b in itertools.product(COMPANY_A, COMPANY_B)]
    companies = rng.sample(companies, min(len(companies), max(10, n_people // 6)))
    names = rng.sample([f"{f} {la}" for f, la in itertools.product(FIRST, LAST)], n_people)
    people = [Person(name, rng.choice(companies)) for name in names]
    rare = set(rng.sample(range(notes), RARE_COUNT))
    files: dict[str, str] = {}
    for number, person in enumerate(people):
        files[f"people/{person.name}.md"] = _person(writer, person, people, number in rare)
    for number in range(n_interviews):
        path, text = _interview(writer, rng.choice(people), n_people + number in rare)
        files[_unique(files, path)] = text
    for number in range(n_plain):
        path, text = _plain(writer, people, companies, n_people + n_interviews + number in rare)
        files[_unique(files, path)] = text
    total = 0
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        target.write_bytes(data)
        total += len(data)
    (root / "iiv.yaml").write_text("monthly_goal: 4\n", encoding="utf-8")
    busiest = max(companies, key=lambda c: sum(p.company == c for p in people))
    manifest = Manifest(
        version=GENERATOR_VERSION,
        notes=len(files),
        seed=seed,
        people=n_people,
        interviews=n_interviews,
        plain=n_plain,
        total_bytes=total,
        person=people[0].name,
        company=busiest,
        tag="mentor",
        common=("team", "product"),
        today=TODAY.isoformat(),
    )
    return manifest


def _unique(files: dict[str, str], path: str) -> str:
    stem, number = path[: -len(".md")], 2
    while path in files:
        path, number = f"{stem} {number}.md", number + 1
    return path


def _tags(writer: Writer, most: int = 3) -> str:
    chosen = writer.rng.sample(TAGS, writer.rng.randint(0, most))
    if writer.rng.random() < 0.08:
        chosen.append("mentor")
    return f"tags: [{', '.join(dict.fromkeys(chosen))}]\n" if chosen else ""


def _person(writer: Writer, person: Person, people: list[Person], rare: bool) -> str:
    rng = writer.rng
    slug = person.name.lower().replace(" ", ".").replace("'", "")
    meta = (
        f"---\ntype: person\nname: {person.name}\ncompany: {person.company}\n"
        f"role: {rng.choice(ROLES)}\nemail: {slug}@example.org\n" + _tags(writer)
    )
    if rng.random() < 0.25:
        meta += f"keep_in_touch: {rng.choice(('3 months', '6 months', '90 days', '1 year'))}\n"
    if rng.random() < 0.15:
        meta += f'introduced_by: "[[{rng.choice(people).name}]]"\n'
    body = f"# {person.name}\n\n{writer.paragraph([person.company])}\n"
    while len(body) < rng.randint(300, 1500):
        body += f"\n{writer.paragraph()}\n"
    if rare:
        body += f"\nOnce mentioned a {RARE_WORD} garden.\n"
    return meta + "---\n\n" + body


def _interview(writer: Writer, person: Person, rare: bool) -> tuple[str, str]:
    rng = writer.rng
    status = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]
    medium = rng.choice(MEDIUMS)
    meta = f'---\ntype: interview\nperson: "[[{person.name}]]"\n'
    when = _interview_day(writer, status)
    if when:
        meta += f"date: {when}\n"
    meta += f"status: {status}\nmedium: {medium}\n"
    meta += f"goal: {writer.sentence()[:-1]}\n"
    if status in ("requested", "declined", "no-reply") or (
        status != "prospect" and rng.random() < 0.7
    ):
        asked = (when or TODAY) - timedelta(days=rng.randint(1, 20))
        meta += f"requested: {min(asked, TODAY - timedelta(days=1))}\n"
    if status == "done" and when and (when < TODAY - timedelta(days=14) or rng.random() < 0.5):
        meta += f"thanked: {when + timedelta(days=rng.randint(0, 3))}\n"
    meta += _tags(writer, 2) + "---\n\n"
    body = f"# {medium.capitalize()} with {person.name}\n\n## Questions\n\n"
    body += "\n".join(f"{n}. {writer.sentence()[:-1]}?" for n in range(1, rng.randint(3, 6)))
    body += f"\n\n## Notes\n\n{writer.bullets(rng.randint(3, 8), [person.company])}\n"
    target = rng.randint(1000, 3000)
    while len(body.encode()) < target - 300:
        body += f"\n{writer.paragraph([person.company])}\n"
    body += f"\n## Takeaways\n\n{writer.bullets(rng.randint(1, 3))}\n"
    if rare:
        body += f"\nThey keep a {RARE_WORD} of plants on the desk.\n"
    start = when or TODAY
    tasks = [
        writer.task(start + timedelta(days=rng.randint(1, 21))) for _ in range(rng.randint(1, 4))
    ]
    body += "\n## Follow-ups\n\n" + "\n".join(tasks) + "\n"
    stamp = when or TODAY
    return f"interviews/{stamp.year}/{stamp} {person.name}.md", meta + body


def _interview_day(writer: Writer, status: str) -> date | None:
    if status == "prospect":
        return None
    if status == "scheduled":
        return writer.day(TODAY, TODAY + timedelta(days=45))
    if status == "requested":
        return None
    return writer.day(TODAY - timedelta(days=6 * 365), TODAY - timedelta(days=1))


def _plain(
    writer: Writer, people: list[Person], companies: list[str], rare: bool
) -> tuple[str, str]:
    """A journal day, a topic note with Obsidian properties, a company or a book note."""
    rng = writer.rng
    links = [f"[[{p.name}]]" for p in rng.sample(people, min(3, len(people)))]
    kind = rng.random()
    if kind < 0.4:
        day = writer.day(TODAY - timedelta(days=8 * 365), TODAY + timedelta(days=3))
        path, meta, title = f"journal/{day.year}/{day}.md", "", f"# {day:%A %d %B %Y}\n\n"
        tasks = [
            writer.task(day + timedelta(days=rng.randint(0, 10))) for _ in range(rng.randint(0, 3))
        ]
    elif kind < 0.85:
        title_words = writer.sentence()[:-1].split()[: rng.randint(2, 5)]
        name = " ".join(title_words).replace("/", " ")
        created = writer.day(TODAY - timedelta(days=8 * 365), TODAY)
        aliases = f"aliases: [{title_words[0]}]\n" if rng.random() < 0.1 else ""
        meta = (
            f"---\ncreated: {created}\n{aliases}{_tags(writer)}---\n\n"
            if rng.random() < 0.6
            else ""
        )
        path, title, tasks = f"notes/{rng.choice(TOPICS)}/{name}.md", f"# {name}\n\n", []
    elif kind < 0.93:
        company = rng.choice(companies)
        meta = f"---\ntype: company\nwebsite: https://{company.split()[0].lower()}.example\n---\n\n"
        path, title, tasks = f"companies/{company}.md", f"# {company}\n\n", []
    else:
        name = " ".join(writer.sentence()[:-1].split()[:3]).title()
        author, rating = rng.choice(people).name, rng.randint(1, 5)
        meta = f"---\ntype: book\nauthor: {author}\nrating: {rating}\n---\n\n"
        path, title, tasks = f"reading/{name}.md", f"# {name}\n\n", []
    body = title
    target = rng.randint(300, 4000)
    while len(body) < target:
        body += (
            f"{writer.paragraph(links)}\n\n"
            if rng.random() < 0.7
            else writer.bullets(3, links) + "\n\n"
        )
    if rare:
        body += f"A {RARE_WORD} of trees stood there.\n"
    if tasks:
        body += "\n".join(tasks) + "\n"
    return path, meta + body


def burst(
    root: Path, manifest: Manifest, count: int = 1000, seed: int = 2
) -> dict[str, str | None]:
    """A change of `count` notes (70% modified, 20% added, 10% deleted), as path → text or None.

    Every added or modified note contains `BURST_WORD`.
    """
    rng = random.Random(seed)
    existing = sorted(str(p.relative_to(root)) for p in root.rglob("*.md"))
    chosen = rng.sample(existing, count * 8 // 10)
    modified, deleted = chosen[: count * 7 // 10], chosen[count * 7 // 10 :]
    writer = Writer(seed)
    changes: dict[str, str | None] = {path: None for path in deleted}
    for path in modified:
        text = (root / path).read_text(encoding="utf-8")
        changes[path] = text + f"\n{writer.sentence()} A {BURST_WORD} passed.\n"
    for number in range(count - len(chosen)):
        changes[f"notes/burst/Burst {number:04d}.md"] = (
            f"# Burst {number}\n\n{writer.paragraph()} {BURST_WORD}\n"
        )
    return changes


def apply(root: Path, changes: dict[str, str | None]) -> None:
    for rel, text in changes.items():
        path = root / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def cached(workdir: Path, notes: int, seed: int = 1) -> tuple[Path, Manifest]:
    """The vault of this size and seed under `workdir`, generated once and reused."""
    folder = workdir / f"vault-{notes}-s{seed}-v{GENERATOR_VERSION}"
    root, manifest_path = folder / "vault", folder / MANIFEST
    if manifest_path.exists():
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        data["common"] = tuple(data["common"])
        return root, Manifest(**data)
    shutil.rmtree(folder, ignore_errors=True)
    manifest = generate(root, notes, seed)
    manifest_path.write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    return root, manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="an empty or new folder")
    args = parser.parse_args()
    manifest = generate(args.out, args.notes, args.seed)
    print(json.dumps(asdict(manifest), indent=2))


if __name__ == "__main__":
    main()
