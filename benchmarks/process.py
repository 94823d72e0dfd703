"""Real processes for the benchmark: `iiv serve` and `iiv index` as subprocesses, HTTP, RSS.

Everything is measured from outside, as a user meets it: wall-clock time in this process,
HTTP over 127.0.0.1, memory from /proc. Every wait has a deadline; a server is always stopped.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

POLL = 0.005  # seconds between polls where latency is measured
SLOW_POLL = 0.02


class BenchmarkError(RuntimeError):
    """Something the benchmark waits for did not happen in time, or a server failed."""


def iiv_env(engine: str | None = None) -> dict[str, str]:
    """The environment for iiv subprocesses: no IIV_* settings leaking in from the caller,
    and the search engine to use (`IIV_ENGINE`), if not the default."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IIV_")}
    env["PYTHONUNBUFFERED"] = "1"
    if engine:
        env["IIV_ENGINE"] = engine
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = POLL) -> Any:
    """Poll until `condition()` is truthy and return it; raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchmarkError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory (VmHWM) of a live process, in MB; 0 when it is gone."""
    return _status_kb(pid, "VmHWM") / 1024


def rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024


def _status_kb(pid: int, key: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """CPU time used by a live process and the children it has waited for (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


@dataclass
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """A keep-alive HTTP/1.1 client for one server, reconnecting when the server closes."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._conn: http.client.HTTPConnection | None = None

    def get(self, path: str, **params: object) -> Response:
        url = path + ("?" + urlencode(params) if params else "")
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request("GET", url, headers={"Host": f"127.0.0.1:{self.port}"})
                reply = conn.getresponse()
                return Response(reply.status, reply.read())
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def try_json(self, path: str, **params: object) -> Any:
        """The JSON answer, or None while the server is not answering yet."""
        try:
            reply = self.get(path, **params)
        except (OSError, http.client.HTTPException):
            return None
        return reply.json() if reply.status == 200 else None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Server:
    """`iiv serve` on a free port, as a subprocess; use as a context manager."""

    def __init__(self, vault: Path, index_dir: Path, log: Path, engine: str | None = None) -> None:
        self.port = free_port()
        self.log = log
        self.started = time.perf_counter()
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "iiv",
                    "serve",
                    "--vault",
                    str(vault),
                    "--index-dir",
                    str(index_dir),
                    "--port",
                    str(self.port),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=iiv_env(engine),
            )
        self.client = Client(self.port)
        self.child_peaks: dict[int, float] = {}

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        return self.process.pid

    def status(self) -> dict[str, Any] | None:
        self._check_alive()
        self.sample_children()
        answer: dict[str, Any] | None = self.client.try_json("/api/status")
        return answer

    def wait_status(
        self,
        condition: Callable[[dict[str, Any]], bool],
        timeout: float,
        what: str,
        every: float = POLL,
    ) -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            status = self.status()
            return status if status is not None and condition(status) else None

        result: dict[str, Any] = wait_for(check, timeout, what, every)
        return result

    def wait_settled(self, notes: int, timeout: float) -> dict[str, Any]:
        """Wait until every note is in the catalog and the index, with nothing pending."""
        return self.wait_status(
            lambda s: (
                s["notes"] == notes
                and s["indexed"] == notes
                and s["pending"] == 0
                and s["last_sync"] is not None
            ),
            timeout,
            f"{notes} notes indexed with nothing pending",
            every=SLOW_POLL,
        )

    def sample_children(self) -> None:
        """Remember the peak memory of child processes (a parallel index build)."""
        for child in children(self.pid):
            peak = peak_rss_mb(child)
            self.child_peaks[child] = max(peak, self.child_peaks.get(child, 0.0))

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.pid)

    def _check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise BenchmarkError(f"iiv serve exited with status {code}:\n{tail}")

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float  # of the process and every child it waited for
    output: str


def run_iiv(args: list[str], log: Path, timeout: float, engine: str | None = None) -> Run:
    """Run `iiv ARGS` to completion: wall time, and the peak RSS of it and its children."""
    with log.open("w+b") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "iiv", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=iiv_env(engine),
        )
        status, usage = _wait4(process, timeout)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode(errors="replace")
    if status != 0:
        raise BenchmarkError(f"iiv {' '.join(args)} failed ({status}):\n{text}")
    return Run(seconds, usage.ru_maxrss / 1024, text)


def _wait4(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, Any]:
    """Reap the process ourselves: wait4 reports its peak RSS, children included (Linux)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise BenchmarkError(f"{process.args!r} took more than {timeout:.0f} s")
        time.sleep(SLOW_POLL)
