"""The hostile corpus: nasty files committed here, and the ones only a test can make.

The committed files (every YAML failure, wrong types, impossible dates, encodings, conflicts,
odd names and links) are read as they are. `build_vault` copies them into a temporary vault
and adds what cannot or should not live in git: a 10 MB file, names in NFD or with `?`, a
newline or trailing spaces, a FIFO, and symlinks inside, outside and in loops, next to a
canary file outside the vault whose secret must never be shown.

`expected.json` holds, for every path the vault lists, its kind and title (for a note) and
its problems as `iiv check` words them ("line: message"). `IIV_UPDATE_GOLDEN=1` rewrites it
from what iiv does now; read the diff before keeping it.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
EXPECTED_FILE = CORPUS / "expected.json"
HUGE_BYTES = 10_000_000
LINE = b"The quick brown fox jumps over the lazy dog, again and again and again.\n"


@dataclass(frozen=True)
class HostileVault:
    root: Path
    outside: Path  # a folder beside the vault, holding the canary
    secret: str  # the canary's unique text: no response may ever contain it


def _huge() -> bytes:
    return b"---\ntitle: Export\n---\nFIRST\n" + LINE * (HUGE_BYTES // len(LINE) + 1) + b"LAST\n"


def _headings() -> bytes:
    """An unclosed front-matter with a heading after a blank line, 100,000 times."""
    return b"---\n" + b"\n# heading\nkey: value\n" * 100_000


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# Files written at test time: vault path → bytes. NFD and control characters in names, and
# sizes, stay out of git.
GENERATED: dict[str, Callable[[], bytes]] = {
    "size/huge-10MB.md": _huge,
    "size/unclosed-with-100000-headings.md": _headings,
    _nfd("names/Zoë Ångström.md"): lambda: _nfd(
        "---\ntype: person\nname: Zoë Ångström\n---\n"
    ).encode(),
    _nfd("names/José Núñez.md"): lambda: b"# The same name as the NFC note, in NFD\n",
    "names/Why? Really?.md": lambda: b"# Question marks\n",
    "names/trailing spaces  .md": lambda: b"# Trailing spaces before the suffix\n",
    "names/ leading space.md": lambda: b"# A space before the name\n",
    "names/folder with a trailing space /note.md": lambda: b"# In a folder ending in a space\n",
    "names/line\nbreak.md": lambda: b"# A newline in the name\n",
    "names/tab\there.md": lambda: b"# A tab in the name\n",
    "names/back\\slash.md": lambda: b"# A backslash in the name\n",
    "names/CON.md": lambda: b"# A name Windows reserves\n",
    "names/" + "ü" * 120 + ".md": lambda: b"# A name of 243 bytes\n",
    "/".join(["deep"] * 60) + "/bottom.md": lambda: b"# Sixty folders down\n",
    "names/folder.md/inner.md": lambda: b"# In a folder named like a note\n",
}


def build_vault(base: Path) -> HostileVault:
    """The corpus as a vault under `base`, with the generated files, symlinks and canary."""
    root = base / "vault"
    shutil.copytree(
        CORPUS, root, ignore=shutil.ignore_patterns("__init__.py", "__pycache__", "expected.json")
    )
    for rel, make in GENERATED.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
    os.mkfifo(root / "names" / "pipe.md")
    outside, secret = _canary(base)
    _symlinks(root, outside)
    return HostileVault(root, outside, secret)


def _canary(base: Path) -> tuple[Path, str]:
    outside = base / "outside"
    (outside / "folder").mkdir(parents=True)
    secret = f"IIV-CANARY-{uuid.uuid4().hex}"
    note = f"---\ntype: person\nname: {secret}\n---\n# {secret}\n\n- [ ] {secret} 📅 2026-12-01\n"
    (outside / "secret.md").write_text(note, encoding="utf-8")
    (outside / "folder" / "other.md").write_text(note, encoding="utf-8")
    (outside / "iiv.yaml").write_text(f"# {secret}\n", encoding="utf-8")
    return outside, secret


def _symlinks(root: Path, outside: Path) -> None:
    links = root / "links"
    (links / "inside-link.md").symlink_to(Path("..") / "conflicts" / "Corpus Person.md")
    (links / "chain-inside.md").symlink_to("inside-link.md")
    (links / "outside-absolute.md").symlink_to(outside / "secret.md")
    (links / "outside-relative.md").symlink_to(Path("..") / ".." / "outside" / "secret.md")
    (links / "chain-outside.md").symlink_to("outside-absolute.md")
    (links / "self-loop.md").symlink_to("self-loop.md")
    (links / "loop-a.md").symlink_to("loop-b.md")
    (links / "loop-b.md").symlink_to("loop-a.md")
    (links / "dangling.md").symlink_to("deleted.md")
    (links / "folder-loop").symlink_to("..", target_is_directory=True)
    (links / "folder-outside").symlink_to(outside / "folder", target_is_directory=True)
    (links / "to-dev-zero.md").symlink_to("/dev/zero")


def expected() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))
    return data


def write_expected(found: dict[str, dict[str, object]]) -> None:
    text = json.dumps(found, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    EXPECTED_FILE.write_text(text, encoding="utf-8")
