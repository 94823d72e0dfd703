"""Writing a file atomically: the compare-and-swap under every change iiv makes to a vault.

`replace_if_unchanged` puts new bytes in the place of a file only if that file still holds
what was read (its hash): an editor's save landing at any moment is never overwritten
(`replace_many_if_unchanged`: many at once, synced together).
`create_exclusively` makes a new file appear whole or not at all, never over an existing one
(`create_many_exclusively`: many at once, synced together).
Both write the bytes to a file without a name first (Linux's O_TMPFILE) or, elsewhere, to a
hidden temp file that the vault walk and the watcher ignore, then link or rename it in place.
On Linux the swap goes through the C library (`linkat`, `renameat2`, `statx`) by ctypes.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import hashlib
import os
import re
import secrets
import stat
import struct
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iiv.errors import EditConflict, EditRefused, IivError, NoteExists

TEMP_NAME_BYTES = 100  # keeps `.{name}.iiv-XXXXXX.tmp` under the 255-byte name limit
TEMP_RE = re.compile(r"\..*\.iiv-[0-9a-f]{6}\.tmp", re.DOTALL)  # what `_temp_name` makes
STALE_TEMP_SECONDS = 60.0
PROC_FD = "/proc/self/fd"  # where Linux names an open file, for linking an unnamed one
# Linux's system call flags: relative to the working folder, swap two names, follow /proc's
# link to an open file, do not follow a symlink, and what statx should fill in (and its size).
AT_FDCWD, RENAME_EXCHANGE, LINK_FOLLOW, AT_SYMLINK_NOFOLLOW = -100, 2, 0x400, 0x100
STATX_BASIC_STATS, STATX_SIZE = 0x7FF, 256
Identity = tuple[int, int, int, int]  # (device, inode, size, mtime in ns): a file, not a name
Drop = Callable[[bytes], object]  # deletes the temp name left holding a replaced file


def content_hash(data: bytes) -> str:
    """The sha256 hex digest of a file's bytes: what an edit checks against."""
    return hashlib.sha256(data).hexdigest()


def conflict_message(rel_path: str) -> str:
    return f"{rel_path} changed since it was read; nothing was written. Reload and try again."


def replace_if_unchanged(path: Path, data: bytes, expected_hash: str, rel_path: str) -> None:
    """Put `data` in the place of `path` if the file there still hashes to `expected_hash`.

    Raises EditConflict (naming `rel_path`) when it does not, before or during the swap; the
    new file keeps the old one's permission mode.
    """
    mode = stat.S_IMODE(path.stat().st_mode)
    _remove_stale_temps(path.parent)
    fd, temp = _written_temp(path, data, mode)
    try:
        _swap_in(fd, temp, path, expected_hash, rel_path)
    finally:
        os.close(fd)
    fsync_folder(path.parent)


def _swap_in(
    fd: int,
    temp: Path | None,
    path: Path,
    expected_hash: str,
    rel_path: str,
    drop: Drop | None = None,
) -> None:
    """Put the written file `fd` (unnamed, or named `temp`) in the place of `path` if `path`
    still hashes to `expected_hash`, before and during the swap; EditConflict otherwise.
    `drop` deletes the replaced file's temp name (default: at once, here)."""
    dropped = False
    try:
        checked = _checked_file(path, expected_hash, rel_path)
        temp, replaced = _exchange_in(fd, temp, path, checked, drop)
        if temp and replaced not in (None, checked):  # an editor saved meanwhile
            _put_back(temp, path, os.fstat(fd).st_ino)
            raise EditConflict(conflict_message(rel_path))
        dropped = drop is not None and replaced is not None
    finally:
        if temp and not dropped:  # the file replaced, or ours when nothing was
            with suppress(OSError):
                os.unlink(temp)


@dataclass
class _Replacement:
    """A file's new bytes, written and open, waiting to be synced and swapped in."""

    path: Path
    expected_hash: str
    rel_path: str
    fd: int
    temp: Path | None


def replace_many_if_unchanged(
    files: Sequence[tuple[Path, bytes, str, str]],
) -> list[IivError | None]:
    """`replace_if_unchanged` for many files (path, new bytes, expected hash, the path to name
    in a message): the new bytes are all written first and synced together (one wait for the
    disk instead of two per file), then each file is checked and swapped in as
    `replace_if_unchanged` does, and each folder synced once. Each file holds its old bytes or
    its new ones, never a mix; for each, None when it was replaced, else what stopped it
    (EditConflict when it changed since it was read). The old versions are deleted by other
    threads meanwhile: a crash may leave some under their hidden temp names, which the walk
    ignores and a later edit in the folder removes. Keeps one file open per item: callers
    pass a few hundred at most."""
    cleaned: set[Path] = set()
    written = [_write_replacement(*file, cleaned) for file in files]
    ready = [item for item in written if isinstance(item, _Replacement)]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:  # the file system commits them together
            list(pool.map(os.fsync, [item.fd for item in ready]))

            # Deleting a file whose blocks are on disk can wait for the disk (a file system
            # mounted with `discard`: 1.6 ms each, against 0.06 ms eight at a time).
            def drop(name: bytes) -> object:
                return pool.submit(_unlink_quietly, name)

            outcomes = [
                _swap(item, drop) if isinstance(item, _Replacement) else item for item in written
            ]
    except OSError as error:  # the disk failed the sync: nothing of these is swapped in
        reason = error.strerror or str(error)
        outcomes = [_not_written(rel, reason) for _, _, _, rel in files]
    finally:
        for item in ready:
            _discard(item)
    for folder in {item.path.parent for item in ready}:
        fsync_folder(folder)
    return outcomes


def _write_replacement(
    path: Path, data: bytes, expected_hash: str, rel_path: str, cleaned: set[Path]
) -> _Replacement | IivError:
    if path.parent not in cleaned:
        _remove_stale_temps(path.parent)
        cleaned.add(path.parent)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        fd, temp = _written_temp(path, data, mode, sync=False)
    except FileNotFoundError:  # deleted since it was read
        return EditConflict(conflict_message(rel_path))
    except OSError as error:
        return _not_written(rel_path, error.strerror or str(error))
    return _Replacement(path, expected_hash, rel_path, fd, temp)


def _swap(item: _Replacement, drop: Drop) -> IivError | None:
    try:
        _swap_in(item.fd, item.temp, item.path, item.expected_hash, item.rel_path, drop)
    except EditConflict as error:
        return error
    except FileNotFoundError:
        return EditConflict(conflict_message(item.rel_path))
    except OSError as error:
        return _not_written(item.rel_path, error.strerror or str(error))
    finally:
        item.temp = None  # `_swap_in` has removed it
    return None


def _unlink_quietly(name: bytes) -> None:
    with suppress(OSError):
        os.unlink(name)


def _not_written(rel_path: str, reason: str) -> EditRefused:
    return EditRefused(f"{rel_path}: cannot write: {reason}; nothing was written")


def _checked_file(path: Path, expected_hash: str, rel_path: str) -> Identity:
    """The identity of the file at `path`, once its content is checked against the hash."""
    with path.open("rb") as file:
        data = file.read()
        info = os.fstat(file.fileno())
    if content_hash(data) != expected_hash:
        raise EditConflict(conflict_message(rel_path))
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def _exchange_in(
    fd: int, temp: Path | None, path: Path, checked: Identity, drop: Drop | None = None
) -> tuple[Path | None, Identity | None]:
    """Put the new file (`fd`, unnamed or named `temp`) in the place of `path`.

    A check made before a rename leaves an instant in which an editor's save can land and be
    replaced unseen. On Linux the new file is named, exchanged with `path`, and the file it
    replaced checked and deleted if it is the one `checked`, in C calls that keep the GIL: the
    temp name lasts three system calls (some 50 µs), which a watcher thread woken by it would
    otherwise stretch to milliseconds. Returns that name if still there, and the identity of
    the file replaced (None after a plain rename, where there is no exchange). `drop`, when
    given, deletes that name instead (later, or in another thread).
    """
    libc = _libc()
    if libc is None:
        temp = temp or _name_unnamed(fd, path)
        os.replace(temp, path)
        return None, None
    proc = os.open(PROC_FD, os.O_RDONLY | os.O_DIRECTORY) if temp is None else AT_FDCWD
    try:
        for _ in range(100):
            name = temp or _temp_name(path)
            if temp or libc.linkat(proc, b"%d" % fd, AT_FDCWD, os.fsencode(name), LINK_FOLLOW) == 0:
                return name, _exchange_and_drop(libc, name, path, checked, drop)
            if ctypes.get_errno() != errno.EEXIST:
                raise _c_error(name)
        raise FileExistsError(f"no free temporary name beside {path.name}")
    finally:
        if temp is None:
            os.close(proc)


def _exchange_and_drop(
    libc: Any, name: Path, path: Path, checked: Identity, drop: Drop | None
) -> Identity | None:
    """Exchange `name` with `path`; delete `name` (or `drop` it) if it then holds the file
    `checked`."""
    source, target = os.fsencode(name), os.fsencode(path)
    if libc.renameat2(AT_FDCWD, source, AT_FDCWD, target, RENAME_EXCHANGE) != 0:
        if ctypes.get_errno() not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise _c_error(path)
        os.replace(name, path)  # a file system without the exchange
        return None
    buffer = ctypes.create_string_buffer(STATX_SIZE)
    if libc.statx(AT_FDCWD, source, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buffer) != 0:
        info = os.stat(name, follow_symlinks=False)
        return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns
    replaced = _statx_identity(buffer.raw)
    if replaced == checked:
        if drop is None:
            libc.unlink(source)
        else:
            drop(source)
    return replaced


def _statx_identity(raw: bytes) -> Identity:
    """(device, inode, size, mtime in ns) from a `struct statx`, the same on every Linux."""
    inode, size = struct.unpack_from("=QQ", raw, 32)
    seconds, nanoseconds = struct.unpack_from("=qI", raw, 112)
    major, minor = struct.unpack_from("=II", raw, 136)
    return os.makedev(major, minor), inode, size, seconds * 1_000_000_000 + nanoseconds


def _put_back(temp: Path, path: Path, placed: int) -> None:
    """Exchange again until `path` holds the newest file that is not ours.

    `temp` holds the file that `path` held; if `path` was saved again meanwhile, the exchange
    brings that newer file to `temp`, and the next one puts it in place in turn.
    """
    libc = _libc()
    for _ in range(100):
        moving = os.stat(temp).st_ino
        swapped = libc.renameat2(
            AT_FDCWD, os.fsencode(temp), AT_FDCWD, os.fsencode(path), RENAME_EXCHANGE
        )
        if swapped != 0:
            raise _c_error(path)
        if os.stat(temp).st_ino == placed:  # nobody saved since the last exchange
            return
        placed = moving


def _c_error(path: Path) -> OSError:
    code = ctypes.get_errno()
    return OSError(code, os.strerror(code), str(path))


@functools.cache
def _libc() -> Any:
    """Linux's C library for `_exchange_in`, or None (another system, or a C library too old).

    Loaded as PyDLL, which keeps the GIL through each call: no other thread runs in between.
    """
    path_at = (ctypes.c_int, ctypes.c_char_p)  # a folder descriptor and a path in it
    signatures = {
        "linkat": (*path_at, *path_at, ctypes.c_int),
        "renameat2": (*path_at, *path_at, ctypes.c_uint),
        "statx": (*path_at, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p),
        "unlink": (ctypes.c_char_p,),
    }
    try:
        libc = ctypes.PyDLL(None, use_errno=True)
        for name, argtypes in signatures.items():
            function = getattr(libc, name)
            function.argtypes, function.restype = argtypes, ctypes.c_int
    except (AttributeError, OSError, TypeError):
        return None
    return libc


def _written_temp(
    target: Path, data: bytes, mode: int | None, sync: bool = True
) -> tuple[int, Path | None]:
    """An open file beside `target` holding `data`, synced (unless the caller syncs it), with
    `mode` (None: a new file's).

    Where the system allows (Linux's O_TMPFILE) the file has no name (None) until it is
    linked: a crash while it is written leaves nothing in the vault. Elsewhere it is a hidden
    temp file from the start, which a later edit in that folder removes if a crash left it.
    """
    created = 0o666 if mode is None else 0o600
    fd = _open_unnamed(target.parent, created)
    temp = None
    if fd is None:
        fd, temp = _temp_file(target, created)
    try:
        _write_all(fd, data, sync)
        if mode is not None:
            os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        if temp:
            with suppress(OSError):
                os.unlink(temp)
        raise
    return fd, temp


def _open_unnamed(folder: Path, mode: int) -> int | None:
    """A new file in `folder` without a name (O_TMPFILE), or None where there is no such thing."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir(PROC_FD):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, mode)
    except OSError as error:
        if error.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None  # a file system without it (FAT, NFS, an old kernel)
        raise


def _name_unnamed(fd: int, target: Path) -> Path:
    """Give the unnamed file `fd` a temp name beside `target`, ready to be renamed over it."""
    for _ in range(100):
        temp = _temp_name(target)
        with suppress(FileExistsError):
            _link_unnamed(fd, temp)
            return temp
    raise FileExistsError(f"no free temporary name beside {target.name}")


def _link_unnamed(fd: int, name: Path) -> None:
    """Give the unnamed open file `fd` the name `name`; fails if that name exists."""
    folder = os.open(PROC_FD, os.O_RDONLY | os.O_DIRECTORY)
    try:  # linkat(AT_SYMLINK_FOLLOW): a plain link() would link /proc's symlink itself
        os.link(str(fd), name, src_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _temp_file(target: Path, mode: int) -> tuple[int, Path]:
    """A new hidden file beside `target`, which the vault walk and the watcher ignore."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = _temp_name(target)
        with suppress(FileExistsError):
            return os.open(temp, flags, mode), temp
    raise FileExistsError(f"no free temporary name beside {target.name}")


def _temp_name(target: Path) -> Path:
    name = target.name.encode("utf-8")[:TEMP_NAME_BYTES].decode("utf-8", "ignore")
    return target.parent / f".{name}.iiv-{secrets.token_hex(3)}.tmp"


def _remove_stale_temps(folder: Path) -> None:
    """Remove iiv temp files that a crash left in `folder`: no edit takes a minute."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    with suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if TEMP_RE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)


def _write_all(fd: int, data: bytes, sync: bool = True) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    if sync:
        os.fsync(fd)


def _write_and_close(fd: int, data: bytes) -> None:
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make the rename durable; some systems (Windows) cannot open a folder, and need not."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def create_exclusively(target: Path, data: bytes, rel_path: str) -> None:
    """Write a new file without a name, then link it to `target`: it appears whole or not at
    all, and never replaces a file (NoteExists, naming `rel_path`)."""
    _remove_stale_temps(target.parent)
    fd, temp = _written_temp(target, data, None)
    try:
        if temp:
            os.link(temp, target)
        else:
            _link_unnamed(fd, target)
    except FileExistsError:
        raise NoteExists(_exists_message(rel_path)) from None
    except OSError:  # no hard links here (FAT, some network drives)
        _write_new(target, data, rel_path)
    finally:
        os.close(fd)
        if temp:
            with suppress(OSError):
                os.unlink(temp)
    fsync_folder(target.parent)


@dataclass
class _Unlinked:
    """A new file's bytes, written and open, waiting to be synced and linked to its name."""

    target: Path
    data: bytes
    rel_path: str
    fd: int
    temp: Path | None


def create_many_exclusively(files: Sequence[tuple[Path, bytes, str]]) -> list[IivError | None]:
    """`create_exclusively` for many files (target, bytes, the path to name in a message): all
    are written first and synced together (one wait for the disk instead of two per file), then
    each is linked to its name and each folder synced once. Each file appears whole or not at
    all; for each, None when it was created, else what stopped it. Keeps one file open per
    item: callers pass a few hundred at most."""
    cleaned: set[Path] = set()
    written = [_write_unlinked(target, data, rel, cleaned) for target, data, rel in files]
    ready = [item for item in written if isinstance(item, _Unlinked)]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:  # the file system commits them together
            list(pool.map(os.fsync, [item.fd for item in ready]))
        outcomes = [_link(item) if isinstance(item, _Unlinked) else item for item in written]
    except OSError as error:  # the disk failed the sync: nothing of these is linked
        reason = error.strerror or str(error)
        outcomes = [EditRefused(f"{rel}: cannot create: {reason}") for _, _, rel in files]
    finally:
        for item in ready:
            _discard(item)
    for folder in {item.target.parent for item in ready}:
        fsync_folder(folder)
    return outcomes


def _write_unlinked(
    target: Path, data: bytes, rel_path: str, cleaned: set[Path]
) -> _Unlinked | IivError:
    if target.parent not in cleaned:
        _remove_stale_temps(target.parent)
        cleaned.add(target.parent)
    try:
        fd, temp = _written_temp(target, data, None, sync=False)
    except OSError as error:
        return EditRefused(f"{rel_path}: cannot create: {error.strerror}")
    return _Unlinked(target, data, rel_path, fd, temp)


def _link(item: _Unlinked) -> IivError | None:
    try:
        if item.temp:
            os.link(item.temp, item.target)
        else:
            _link_unnamed(item.fd, item.target)
    except FileExistsError:
        return NoteExists(_exists_message(item.rel_path))
    except OSError:  # no hard links here (FAT, some network drives)
        try:
            _write_new(item.target, item.data, item.rel_path)
        except NoteExists as error:
            return error
        except OSError as error:
            return EditRefused(f"{item.rel_path}: cannot create: {error.strerror}")
    return None


def _discard(item: _Unlinked | _Replacement) -> None:
    os.close(item.fd)
    if item.temp:
        with suppress(OSError):
            os.unlink(item.temp)


def _write_new(target: Path, data: bytes, rel_path: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags, 0o666)
    except FileExistsError:
        raise NoteExists(_exists_message(rel_path)) from None
    try:
        _write_and_close(fd, data)
    except BaseException:
        with suppress(OSError):
            os.unlink(target)
        raise


def _exists_message(rel_path: str) -> str:
    return f"{rel_path} already exists; nothing was written. Choose another name."


# Removing a file, and writing those of the vault's git repository (`iiv sync`)


def remove_file(path: Path, expected_hash: str) -> None:
    """Delete the file at `path` if its content still hashes to `expected_hash`.

    The file is first renamed aside, so that an editor's save landing meanwhile is a new file
    at `path`, or is put back if it landed in the one renamed; raises EditConflict then.
    """
    aside = _temp_name(path)
    os.rename(path, aside)
    try:
        data = aside.read_bytes()
    except OSError:
        with suppress(OSError):
            os.link(aside, path)
            os.unlink(aside)
        raise
    if content_hash(data) != expected_hash:
        try:
            os.link(aside, path)
        except FileExistsError:  # saved twice meanwhile: keep the older save beside it
            os.rename(aside, path.with_name(f"{path.name}.iiv-kept"))
            raise EditConflict(conflict_message(path.name)) from None
        os.unlink(aside)
        raise EditConflict(conflict_message(path.name))
    os.unlink(aside)
    fsync_folder(path.parent)


def write_file(path: Path, data: bytes, expected_hash: str | None, executable: bool) -> None:
    """Replace the file at `path` (whose content must still hash to `expected_hash`), or create
    it (`expected_hash` None: it must not exist), as a checkout would but atomically.

    Raises EditConflict when the file changed, or appeared, since it was read.
    """
    if expected_hash is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            create_exclusively(path, data, path.name)
        except NoteExists:
            raise EditConflict(conflict_message(path.name)) from None
    else:
        replace_if_unchanged(path, data, expected_hash, path.name)
    mode = stat.S_IMODE(path.stat().st_mode)
    wanted = mode | ((mode & 0o444) >> 2) if executable else mode & ~0o111
    if wanted != mode:
        os.chmod(path, wanted)
    if expected_hash is None:
        fsync_folder(path.parent)
