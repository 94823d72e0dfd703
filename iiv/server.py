"""`iiv serve`: the library, its worker and the dashboard behind waitress, a production server."""

from __future__ import annotations

import errno
import logging
import os
import signal
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import waitress
from waitress import wasyncore
from waitress.server import BaseWSGIServer, MultiSocketServer

from iiv.addresses import lan_address, remote_host_names, url_host
from iiv.autosync import AutoSync, SyncSettings
from iiv.cache import Serving, current_serving, forget_serving, index_folder, record_serving
from iiv.errors import BadArgument, IivError
from iiv.library import Library
from iiv.vault import vault_root
from iiv.web import create_app
from iiv.web.security import LOOPBACK_HOSTS, WebSettings, load_secret
from iiv.worker import Worker

log = logging.getLogger(__name__)
LOCK_WAIT = 30.0  # seconds `iiv serve` waits for another iiv to finish writing the index
LOOPBACK_BINDS = ("127.0.0.1", "localhost", "::1")
UNWOKEN_TURNS = 50  # tenths of a second a loop that cannot be woken is given to end


@dataclass(frozen=True)
class ServeOptions:
    vault: Path
    host: str = "127.0.0.1"
    port: int = 8765
    index_dir: Path | None = None
    watch: bool = True
    allow_remote: bool = False
    token: str | None = None
    reconcile_every: float = 60.0
    sync_every: float | None = None  # seconds between syncs with git (--sync); None: on request
    engine: str | None = None  # the search engine asked for (--engine); else iiv.yaml's


def _placeholder(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting\n"]


class Server:
    """A library with its worker and a waitress server, runnable in the foreground or a thread."""

    def __init__(self, options: ServeOptions) -> None:
        if options.host not in LOOPBACK_BINDS and not options.allow_remote:
            raise BadArgument(
                f"refusing to listen on {options.host}: anyone who can reach it could read your "
                "notes. Use --allow-remote (an access token is then required)."
            )
        self.library = _open_library(options)
        self.library.snapshot()  # every note from the catalog, before the first sync starts
        self.worker = Worker(
            self.library, watch=options.watch, reconcile_every=options.reconcile_every
        )
        self._sockets: dict[int, Any] = {}  # waitress' channels: its own, and its clients'
        try:
            self.wsgi = waitress.create_server(
                _placeholder,
                map=self._sockets,
                host=options.host,
                port=options.port,
                threads=8,
                ident="iiv",
                clear_untrusted_proxy_headers=True,
            )
        except OSError as error:
            self.library.close()
            raise _listen_error(options, error) from None
        assert not isinstance(self.wsgi, MultiSocketServer)
        self.port: int = self.wsgi.effective_port
        remote = options.allow_remote and options.host not in LOOPBACK_BINDS
        self.settings = WebSettings(
            port=self.port,
            secret_key=load_secret(self.library.folder),
            extra_hosts=remote_host_names(options.host) if remote else (),
            token=options.token if options.allow_remote else None,
        )
        self.app = create_app(self.library, self.settings, self.worker.activity)
        settings = SyncSettings(every=options.sync_every)
        self.autosync = AutoSync(self.library, settings, self.worker.activity)
        self.app.extensions["iiv_sync"] = self.autosync
        self.wsgi.application = self.app
        shown = url_host(lan_address(options.host)) if remote else _url_host(options.host)
        self.url = f"http://{shown}:{self.port}/"
        self._thread: threading.Thread | None = None
        record_serving(self.library.folder, Serving(os.getpid(), self.url))

    def start(self) -> None:
        """Start the worker and serve from a background thread (tests, benchmarks)."""
        self.worker.start()
        self._start_sync()
        self._thread = threading.Thread(target=self.wsgi.run, name="iiv-http", daemon=True)
        self._thread.start()

    def run(self) -> None:
        """Serve in the foreground until Ctrl+C or SIGTERM."""
        self.worker.start()
        self._start_sync()

        def stop(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        # `iiv index --rebuild` asks a running server to rebuild, as only it may write the index
        signal.signal(signal.SIGUSR1, lambda signum, frame: self.worker.rebuild())
        try:
            self.wsgi.run()
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def _start_sync(self) -> None:
        if self.autosync.settings.every is not None:
            self.autosync.start()

    def close(self) -> None:
        server: BaseWSGIServer = self.wsgi
        server.task_dispatcher.shutdown(timeout=5)
        if self._thread is not None and self._thread.is_alive():
            self._stop_loop(server)
        else:
            self._close_sockets()
        self.autosync.stop()  # with --sync, one last sync
        self.worker.stop()
        forget_serving(self.library.folder, os.getpid())
        self.library.close()

    def _stop_loop(self, server: BaseWSGIServer) -> None:
        """Have the serving thread close the sockets, and wait for it: closed from another
        thread, a socket would vanish under the loop's select()."""
        assert self._thread is not None
        try:
            server.trigger.pull_trigger(self._close_sockets)
        except OSError as error:
            log.warning("the server's loop could not be woken (%s): stopping it from here", error)
        else:
            self._thread.join(timeout=5)
            if not self._thread.is_alive():
                return
            log.warning("the server's loop did not stop when asked: stopping it from here")
        self._stop_unwoken(server)

    def _stop_unwoken(self, server: BaseWSGIServer) -> None:
        """Stop a loop whose trigger did not work (its pipe closed under it): with its
        channels taken out of its map, it ends at its next turn (a second at most), and they
        are closed once it has. The trigger's closed end is not closed again: its
        number may be another file's by now."""
        assert self._thread is not None
        channels: list[Any] = []
        for _ in range(UNWOKEN_TURNS):  # a client accepted meanwhile is taken out in turn
            channels += [one for one in self._sockets.values() if one is not server.trigger]
            self._sockets.clear()
            self._thread.join(timeout=0.1)
            if not self._thread.is_alive():
                break
        for channel in [*channels, server]:  # the listening socket, even out of the map
            with suppress(OSError):
                channel.close()
        readable = server.trigger.socket  # the end the loop read: None if the loop closed it
        if readable is not None:  # (its wrapper closes its descriptor once)
            with suppress(OSError):
                readable.close()

    def _close_sockets(self) -> None:
        """Close the listening socket, the loop's trigger and the keep-alive clients' sockets,
        which waitress would leave to the garbage collector (with a ResourceWarning each); the
        loop stops once none is left."""
        wasyncore.close_all(self._sockets)


def _say_waiting() -> None:
    log.warning("waiting for another iiv writing this vault's index...")


def _open_library(options: ServeOptions) -> Library:
    """The library with the index's writer lock. Another `iiv serve` holding it is named, and
    this one stops; an `iiv index`, or the quick sync of an `iiv search`, lets go of the lock
    when done: wait for them a while rather than refuse to start."""
    library = Library.open_for_writing(options.vault, options.index_dir, engine=options.engine)
    if library is None:
        running = current_serving(index_folder(vault_root(options.vault), options.index_dir))
        if running is not None:
            raise IivError(
                f"iiv serve (pid {running.pid}) already serves this vault at {running.url}: "
                f"open that, or stop it (kill {running.pid}) before starting another"
            )
        library = Library.open_for_writing(
            options.vault,
            options.index_dir,
            wait=LOCK_WAIT,
            waiting=_say_waiting,
            engine=options.engine,
        )
    if library is None:
        raise IivError(
            "another iiv (an iiv index or iiv search) is still writing this vault's index: "
            "try again when it is done"
        )
    return library


def _listen_error(options: ServeOptions, error: OSError) -> IivError:
    """A port that cannot be used, said in one line with what to do."""
    if error.errno == errno.EADDRINUSE:
        return IivError(
            f"port {options.port} on {options.host} is already in use (another iiv serve, or "
            f"another program): choose another with --port, e.g. --port {options.port + 1}"
        )
    if error.errno == errno.EACCES:
        return IivError(
            f"port {options.port} needs special rights on this system: choose one above 1023"
            " with --port"
        )
    return IivError(f"cannot listen on {options.host} port {options.port}: {error.strerror}")


def _url_host(host: str) -> str:
    if host in ("127.0.0.1", "::1", "localhost"):
        return "127.0.0.1" if host != "::1" else "[::1]"
    return host


__all__ = ["LOOPBACK_HOSTS", "ServeOptions", "Server"]
