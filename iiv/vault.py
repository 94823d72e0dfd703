"""The vault on disk: which files are notes, finding them, reading them.

This is the one module that reads note files; `edit` is the one that writes them. What is read
becomes a `Vault` snapshot (`iiv.snapshot`), which never touches the disk itself.
"""

from __future__ import annotations

import os
import re
import stat
from contextlib import suppress
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from iiv.config import CONFIG_FILE, Config, parse_config
from iiv.errors import NoteNotFound, VaultNotFound
from iiv.messages import KINDS as MESSAGE_KINDS
from iiv.note import DEFAULT_KINDS, MAX_NOTE_BYTES, Kinds, Note, parse_note
from iiv.problem import Problem
from iiv.snapshot import Vault

NOTE_SUFFIX = ".md"
TEMPLATES = ("person", "interview", "company", *(f"messages/{kind}" for kind in MESSAGE_KINDS))
# A templates folder at any depth, by its name: `Templates`, `template`, `_templates`,
# `99 Templates`, `📝 Templates`.
TEMPLATE_FOLDER_RE = re.compile(r"[\W\d_]*templates?", re.IGNORECASE)


def is_ignored(rel_path: str, config: Config) -> bool:
    """The one ignore rule, for the walk and the watcher alike.

    Skipped: anything under a dot-folder or named with a leading dot (`.git`, `.obsidian`,
    `.trash`, `.stversions`, vim's `.note.md.swp`, Syncthing's `.syncthing.x.tmp`, iiv's own
    temp files), anything not ending in `.md` (vim's `4913` and `note.md~`, Emacs' `#note.md#`),
    and templates folders: the one set by `templates`, and any folder named like one.
    """
    parts = _plain_parts(rel_path)
    if parts is None:
        parts = PurePosixPath(rel_path).parts
        if not parts or any(part.startswith(".") for part in parts):
            return True
    name = parts[-1].lower()
    if not name.endswith(NOTE_SUFFIX) or name == NOTE_SUFFIX:
        return True
    return _under(parts, config.templates) or any(map(is_templates_folder, parts[:-1]))


def is_templates_folder(name: str) -> bool:
    """Whether a folder's name makes it a templates folder, whose notes are not notes."""
    return TEMPLATE_FOLDER_RE.fullmatch(name) is not None


def _plain_parts(rel_path: str) -> tuple[str, ...] | None:
    """`PurePosixPath(rel_path).parts` when no part is empty or starts with "." (then they are
    the text between the slashes), else None."""
    plain = (
        rel_path
        and rel_path[0] != "/"
        and rel_path[-1] != "/"
        and "//" not in rel_path
        and rel_path[0] != "."
        and "/." not in rel_path
    )
    return tuple(rel_path.split("/")) if plain else None


@lru_cache(maxsize=64)
def _folder_parts(folder: str) -> tuple[str, ...]:
    return PurePosixPath(folder).parts


def _under(parts: tuple[str, ...], folder: str) -> bool:
    prefix = _folder_parts(folder)
    return bool(prefix) and parts[: len(prefix)] == prefix and len(parts) > len(prefix)


class FileStat(NamedTuple):
    """What tells a note file's versions apart without reading it (a tuple: there are many)."""

    path: str
    size: int
    mtime_ns: int


def vault_root(path: str | Path) -> Path:
    root = Path(path).expanduser()
    if not root.is_dir():
        raise VaultNotFound(f"no vault at {path}: not a folder (use --vault PATH or set IIV_VAULT)")
    return root.resolve()


def chosen_vault(path: str | Path) -> Path:
    """The vault a command was pointed at, refused (with how to choose one) when the folder
    does not look like a vault: no iiv.yaml, no `.obsidian` folder, and no note near the top.
    `iiv init` needs none of these; a vault without iiv.yaml (Obsidian's) has notes."""
    root = vault_root(path)
    if not looks_like_vault(root):
        raise VaultNotFound(
            f"{root} does not look like a vault (no iiv.yaml, no .obsidian folder, no notes):"
            " choose one with --vault PATH or IIV_VAULT=PATH, or make this one with:"
            f" iiv init {root}"
        )
    return root


def looks_like_vault(root: Path, depth: int = 3, most: int = 10_000) -> bool:
    """iiv.yaml or `.obsidian/` at the top, or a note (`.md`) within `depth` folders and the
    first `most` entries: enough to tell a vault from an empty or unrelated folder quickly."""
    if (root / CONFIG_FILE).is_file() or (root / ".obsidian").is_dir():
        return True
    folders, seen = [(root, 0)], 0
    while folders:
        folder, level = folders.pop(0)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > most:
                return False
            name = entry.name
            if name.startswith("."):
                continue
            if name.lower().endswith(NOTE_SUFFIX) and entry.is_file():
                return True
            if level + 1 < depth and entry.is_dir(follow_symlinks=False):
                folders.append((Path(entry.path), level + 1))
    return False


def scan(root: Path, config: Config, under: str = "") -> tuple[dict[str, FileStat], list[Problem]]:
    """Every note file's (path, size, mtime) without reading any, and problems with the walk;
    in the whole vault, or in its folder `under`."""
    found: dict[str, FileStat] = {}
    problems: list[Problem] = []
    # folders to read: (folder, its vault-relative path with a final "/", that path's parts)
    start = PurePosixPath(under).parts if under else ()
    pending: list[tuple[str | Path, str, tuple[str, ...]]] = [
        (root.joinpath(*start), "".join(f"{part}/" for part in start), start)
    ]
    templates = config.templates
    while pending:
        folder, prefix, parts = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            problems.append(
                Problem(prefix or ".", None, f"cannot read folder: {error.strerror}", "walk")
            )
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":  # ignored, and so is everything in a folder named so
                continue
            rel = prefix + name
            try:
                if entry.is_dir(follow_symlinks=False):
                    inner = (*parts, name)
                    if not (_under((*inner, "x"), templates) or is_templates_folder(name)):
                        pending.append((entry.path, rel + "/", inner))
                    continue
                # the rest of is_ignored(rel): no part of `rel` starts with "." (those names
                # are skipped above), and no file reached is under a templates folder (they
                # are not entered)
                if entry.is_symlink():
                    if _under((*parts, name, "x"), templates) or is_templates_folder(name):
                        continue  # never read as notes (template_problems checks the one read)
                    problem = _symlink_problem(root, config, rel, entry.path)
                    if problem:
                        problems.append(problem)
                        continue
                if not name.lower().endswith(NOTE_SUFFIX):
                    continue
                info = entry.stat()
            except OSError as error:
                problems.append(Problem(rel, None, f"cannot read: {error.strerror}", "walk"))
                continue
            if stat.S_ISREG(info.st_mode):
                found[rel] = FileStat(rel, info.st_size, info.st_mtime_ns)
    return found, problems


def _symlink_problem(root: Path, config: Config, rel: str, path: str) -> Problem | None:
    """Why the walk does not follow a symlink, or None when it reads the note it leads to.

    A symlink is followed only to a file the walk itself reads: inside the vault, not in a
    dot-folder or a templates folder. Symlinked folders are never entered (their notes, when
    inside the vault, are read where they are), and each is listed.
    """
    real = os.path.realpath(path)
    target = _vault_path(root, real)
    if os.path.isdir(real):
        if target is None:
            return Problem(rel, None, "symlink to a folder outside the vault: not read", "walk")
        if target == "." or not is_ignored(f"{target}/x.md", config):
            where = "the vault's own folder" if target == "." else f"the folder {target}/"
            message = f"symlink to {where}: not followed (its notes are read there)"
            return Problem(rel, None, message, "walk")
        return Problem(rel, None, f"symlink to {target}/, a folder iiv skips: not read", "walk")
    if not rel.lower().endswith(NOTE_SUFFIX):
        return None
    if target is None:
        return Problem(rel, None, "symlink to a file outside the vault: not read", "walk")
    if target != rel and is_ignored(target, config) and os.path.lexists(real):
        return Problem(rel, None, f"symlink to {target}, a file iiv skips: not read", "walk")
    return None


def _vault_path(root: Path, real: str) -> str | None:
    """A real path's vault-relative path ("." for the vault itself), or None outside it."""
    try:
        relative = Path(real).relative_to(root)
    except ValueError:
        return None
    return relative.as_posix()


def inside(root: Path, path: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(root)
    except (OSError, ValueError):
        return False


def walk_reads(root: Path, rel: str, config: Config) -> bool:
    """Whether the walk reads the file at vault path `rel`: it is not ignored, no folder on
    its way is a symlink, and if it is a symlink, it leads to a file the walk reads."""
    if is_ignored(rel, config):
        return False
    path = root / rel
    try:
        real = os.path.realpath(path)
        if real == str(path):
            return True
        if os.path.realpath(path.parent) != str(path.parent):
            return False  # the walk never enters a symlinked folder
    except (OSError, ValueError):
        return False
    target = _vault_path(root, real)
    return target is not None and target != "." and not is_ignored(target, config)


def note_file(root: Path, rel_path: str, config: Config | None = None) -> Path:
    """The file of a vault-relative note path, refusing anything outside the vault or ignored.

    A path as typed may use `\\` and stray spaces; one from a listing is exact, and on POSIX
    a note's name may hold a backslash or start with a space: the exact path is tried first.
    """
    typed = rel_path.replace("\\", "/").strip()
    if typed != rel_path and os.sep == "/":
        with suppress(NoteNotFound):
            return _note_file(root, rel_path, rel_path, config)
    return _note_file(root, typed, rel_path, config)


def _note_file(root: Path, rel: str, rel_path: str, config: Config | None) -> Path:
    parts = PurePosixPath(rel).parts
    bad = not parts or rel.startswith("/") or ".." in parts or "\x00" in rel
    if bad or is_ignored(rel, config or Config()):
        raise NoteNotFound(f"{rel_path}: not a note in this vault")
    path = root / rel
    try:
        found = walk_reads(root, rel, config or Config()) and path.is_file()
    except OSError:  # a name longer than the file system allows, say
        found = False
    if not found:
        raise NoteNotFound(f"{rel_path}: no such note in this vault")
    return path


def read_existing(root: Path, rel_path: str, kinds: Kinds = DEFAULT_KINDS) -> Note | None:
    """The note, or None when its file is gone (deleted between the walk and the read)."""
    try:
        data = _read_bytes(root, rel_path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError:
        return read_note(root, rel_path, kinds)
    return parse_note(rel_path, data, kinds)


def read_note(root: Path, rel_path: str, kinds: Kinds = DEFAULT_KINDS) -> Note:
    try:
        data = _read_bytes(root, rel_path)
    except OSError as error:
        problem = Problem(rel_path, None, f"cannot read: {error.strerror}", "io")
        return Note(
            path=rel_path,
            kind="note",
            title=PurePosixPath(rel_path).stem,
            body="",
            problems=(problem,),
        )
    return parse_note(rel_path, data, kinds)


def _read_bytes(root: Path, rel_path: str) -> bytes:
    """`(root / rel_path).read_bytes()`, quicker: without building a Path for a plain relative
    path (the file is the same), and without a buffer (the file is read whole)."""
    if _plain_parts(rel_path) is None:
        return (root / rel_path).read_bytes()
    with open(os.path.join(root, rel_path), "rb", buffering=0) as file:
        return file.readall()


def load_config(root: Path) -> tuple[Config, list[Problem]]:
    """The vault's settings from its `iiv.yaml`, with their problems; the defaults without one."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(), []
    except (OSError, UnicodeDecodeError) as error:
        message = f"cannot read: {error}; using defaults"
        return Config(), [Problem(CONFIG_FILE, None, message, "settings")]
    return parse_config(text)


def load(path: str | Path) -> Vault:
    """Read a whole vault from disk (the CLI's way; the server keeps a live catalog instead)."""
    root = vault_root(path)
    config, problems = load_config(root)
    stats, walk_problems = scan(root, config)
    notes = {rel: read_note(root, rel, config.kinds) for rel in sorted(stats)}
    extra = problems + walk_problems + template_problems(root, config)
    return Vault(root, config, notes, tuple(extra))


def read_template(root: Path, config: Config, kind: str) -> str | None:
    """The vault's own template for `kind` (person, interview), read with the confinement of
    notes; None when there is none or it may not be read (then the built-in one is used)."""
    path, problem = _template_file(root, config, kind)
    if path is None or problem is not None:
        return None
    try:
        return path.read_bytes()[:MAX_NOTE_BYTES].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def template_problems(root: Path, config: Config) -> list[Problem]:
    """A templates folder or template file that leads outside the vault (a symlink)."""
    found = (_template_file(root, config, kind)[1] for kind in TEMPLATES)
    unique = dict.fromkeys(problem for problem in found if problem)
    return list(unique)


def _template_file(root: Path, config: Config, kind: str) -> tuple[Path | None, Problem | None]:
    """The template file of `kind` if there is one, and what forbids reading it, if anything:
    the templates folder must lead to a folder inside the vault, and the file into that one."""
    if not config.templates:
        return None, None
    folder = root / config.templates
    path = folder / f"{kind}{NOTE_SUFFIX}"
    instead = "using the built-in templates"
    try:
        real_folder = Path(os.path.realpath(folder))
        if not os.path.lexists(path):
            return None, None
        real = Path(os.path.realpath(path))
    except (OSError, ValueError):
        return None, None
    if not real_folder.is_relative_to(root):
        message = f"the templates folder leads outside the vault: {instead}"
        return None, Problem(f"{config.templates}/", None, message, "templates")
    if not real.is_relative_to(real_folder):
        message = f"symlink to a file outside the templates folder: {instead}"
        return None, Problem(f"{config.templates}/{kind}{NOTE_SUFFIX}", None, message, "templates")
    return real, None
