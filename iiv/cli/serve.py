"""`iiv serve`: the dashboard and JSON API, kept in sync with the vault."""

from __future__ import annotations

import ctypes
import gc
import os
import secrets
import sys
import warnings
from pathlib import Path

import click

from iiv.cli.base import engine_option, index_dir_option, log_to_stderr, vault_option


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; other than loopback needs --allow-remote.",
)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--no-watch", is_flag=True, help="Do not watch the vault for changes.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a non-loopback --host; every request then needs the access token.",
)
@click.option(
    "--sync",
    "sync_every",
    metavar="PERIOD",
    help="Sync the vault with git (iiv sync) at most this often, like 10m, once it has been "
    "quiet a moment, and when iiv stops.",
)
@engine_option
@index_dir_option
@vault_option
def serve(
    host: str,
    port: int,
    no_watch: bool,
    allow_remote: bool,
    sync_every: str | None,
    engine: str | None,
    index_dir: Path | None,
    vault_path: Path,
) -> None:
    """Serve the dashboard and JSON API on localhost, keeping the index in sync.

    \b
    With --host 0.0.0.0 --allow-remote, a phone on the same network can open it: iiv prints
    an address with this machine's LAN address and an access token, and a QR code.

    \b
    Example:
      iiv serve --vault ~/interviews
      iiv serve --vault vault-example --port 8800
      iiv serve --vault ~/interviews --sync 10m
      iiv serve --vault ~/interviews --engine tantivy
      iiv serve --host 0.0.0.0 --allow-remote
    """
    from iiv.autosync import parse_every
    from iiv.server import ServeOptions, Server

    # Choices for the whole process belong here, not in the library. watchdog warns when a
    # folder created during its recursive walk is registered twice: harmless (the watch is
    # replaced), and under `-W error` the warning would stop its thread.
    warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)
    log_to_stderr()
    token = secrets.token_urlsafe(24) if allow_remote else None
    options = ServeOptions(
        vault=vault_path,
        host=host,
        port=port,
        index_dir=index_dir,
        watch=not no_watch,
        allow_remote=allow_remote,
        token=token,
        sync_every=parse_every(sync_every) if sync_every else None,
        engine=engine,
    )
    few_malloc_arenas()
    # The notes loaded at start hold no cycles: the cyclic garbage collector would scan all of
    # them once they are in, and again at each full collection (0.2 to 0.5 s at 10,000 notes).
    # It stays off while they load, and then leaves them out of its scans for good.
    gc.disable()
    try:
        server = Server(options)
    finally:
        gc.freeze()
        gc.enable()
    url = server.url + (f"?token={token}" if token else "")
    click.echo(f"iiv is serving {server.library.root} at {url}  (Ctrl+C to stop)")
    if server.settings.extra_hosts:
        click.echo(phone_hint(url))
    server.run()


M_ARENA_MAX = -8  # glibc's mallopt parameter: how many memory pools threads may spread over


def few_malloc_arenas() -> bool:
    """Have glibc's malloc keep every thread's memory in one pool; True if it will.

    By default each new thread may get a pool of its own, up to eight a core, and memory freed
    in a pool stays with it: `iiv serve`'s threads (the HTTP server's eight, the worker, the
    watcher) then each kept what a save or a checkout had freed, and at 50,000 notes the
    process grew from 380 to 520 MB over the benchmark's saves and checkouts. With one pool
    it stayed under 390, as fast (see docs/performance.md). Called before any thread starts:
    pools already made are kept. Elsewhere than glibc, or when the environment sets
    `MALLOC_ARENA_MAX`, nothing is changed.
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False  # elsewhere than Linux, or chosen by whoever started iiv
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, 1))


def phone_hint(url: str) -> str:
    """The URL as a QR code for a phone's camera, with how to use it."""
    import io

    import segno

    drawing = io.StringIO()
    segno.make(url, error="m").terminal(out=drawing, compact=True)
    return (
        "On a phone on the same network, open the address above or scan this code; "
        "the token is then kept in a cookie:\n" + drawing.getvalue()
    )


COMMANDS = (serve,)
