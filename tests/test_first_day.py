"""A new user's first day with `iiv serve` and `iiv index`: every refusal names what is in the
way and what to do, and nothing waits for ever. Real processes on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner

from iiv.cli import cli
from tests.helpers import copy_example
from tests.reliability.harness import environment, iiv, poll, run, served


def test_a_second_serve_names_the_first_and_exits(tmp_path: Path) -> None:
    root, index_dir, env = copy_example(tmp_path), tmp_path / "index", environment(tmp_path)
    with served(root, index_dir, env) as first:
        first.wait_ready()
        second = run(
            iiv("serve", "--vault", str(root), "--index-dir", str(index_dir), "--port", "0"),
            env,
            timeout=20,  # it used to wait for the first to stop
        )
        pid, url = first.proc.pid, f"http://127.0.0.1:{first.port}/"
        assert second.returncode == 1
        assert second.stderr.endswith(
            f"Error: iiv serve (pid {pid}) already serves this vault at {url}: open that,"
            f" or stop it (kill {pid}) before starting another\n"
        )
        code, log = first.stop()
    assert code == 0, log
    assert not (index_dir / "serving.json").exists()


def test_a_busy_port_is_named_with_the_option_to_choose_another(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ["serve", "--vault", str(root), "--index-dir", str(tmp_path / "index")]
        result = CliRunner().invoke(cli, [*args, "--port", str(port)])
    assert (result.exit_code, result.output) == (
        1,
        f"Error: port {port} on 127.0.0.1 is already in use (another iiv serve, or another"
        f" program): choose another with --port, e.g. --port {port + 1}\n",
    )


def test_iiv_index_while_serving_names_the_server_and_has_it_rebuild(tmp_path: Path) -> None:
    root, index_dir, env = copy_example(tmp_path), tmp_path / "index", environment(tmp_path)
    with served(root, index_dir, env) as server:
        server.wait_ready()
        who = f"iiv serve (pid {server.proc.pid}, http://127.0.0.1:{server.port}/)"
        args = ("--vault", str(root), "--index-dir", str(index_dir))
        synced = run(iiv("index", *args), env)
        assert (synced.returncode, synced.stdout) == (
            0,
            f"{who} is keeping this vault's index up to date: nothing to do\n",
        )
        rebuilt = run(iiv("index", "--rebuild", *args), env)
        assert (rebuilt.returncode, rebuilt.stdout) == (
            0,
            f"{who} keeps this vault's index: it is rebuilding it now, and goes on serving\n",
        )
        said = "iiv: rebuilding the index, as iiv index --rebuild asked"
        poll(lambda: said in server.stderr(), 30, "the server to rebuild")
        server.wait_ready()
        assert server.status()["indexed"] == len(list(root.rglob("*.md"))) - 2  # templates
        code, log = server.stop()
    assert code == 0 and "Traceback" not in log, log
