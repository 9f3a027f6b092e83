"""Start the real `incident-record serve` in a subprocess, for end-to-end tests.

The server runs exactly as in production: the console script migrates the database,
seeds it from the project's `seed/` folder when it is empty, then runs uvicorn.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import require_marker

REPO_ROOT = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "incident-record"

RUNS_A_PROCESS = "runs the command or the server in a process of its own (seconds each)"

# Settings a developer's shell might carry that would change what the server serves.
_SCRUBBED_ENV = ("SEED_DIR", "PUBLIC_URL", "HOST", "PORT")


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return read_log(self.log_path)

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send `sig` to the server and every process it started (workers included)."""
        os.killpg(self.process.pid, sig)


def run_cli(
    database_url: str, *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`incident-record ARGS` on `database_url`, as an operator runs it; never raises."""
    require_marker("slow", RUNS_A_PROCESS)
    environment = {k: v for k, v in os.environ.items() if k.upper() not in _SCRUBBED_ENV}
    environment["DATABASE_URL"] = database_url
    environment.update(env or {})
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_write_key(database_url: str, name: str) -> str:
    """A new key with scope write, made with the command-line tool as an operator would."""
    done = run_cli(database_url, "keys", "create", "--name", name, "--scope", "write", timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1].split()[-1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_log(path: Path, tail: int = 8000) -> str:
    try:
        return path.read_text(errors="replace")[-tail:]
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # SIGTERM: uvicorn shuts down gracefully
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def running_server(
    workdir: Path,
    *,
    database_url: str | None = None,
    startup_timeout: float = 30.0,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[LiveServer]:
    """Serve `database_url` (default: SQLite at `workdir/e2e.db`); yield once /healthz is 200.

    `args` go to `serve` after its host and port (`--no-migrate`, ...).

    `env` adds settings (`STATEMENT_TIMEOUT_MS`, `ACCESS_LOG`, ...). The server leads a
    process group of its own, so that `LiveServer.kill` reaches all of it.

    The server is always stopped on exit, and its output is kept in `workdir/server.log`
    and shown in the error if it fails to start.
    """
    assert CONSOLE_SCRIPT.exists(), f"console script not found: {CONSOLE_SCRIPT}"
    require_marker("slow", RUNS_A_PROCESS)
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    environment = {k: v for k, v in os.environ.items() if k.upper() not in _SCRUBBED_ENV}
    environment["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'e2e.db'}"
    environment["PYTHONUNBUFFERED"] = "1"
    environment.update(env or {})
    command = [str(CONSOLE_SCRIPT), "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    with open(log_path, "wb") as log:
        # cwd is the scratch folder so that no stray ./.env or ./incident-record.db is used.
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(process, base_url, log_path, startup_timeout)
        yield LiveServer(base_url=base_url, process=process, log_path=log_path)
    finally:
        _stop(process)


def _wait_healthy(
    process: subprocess.Popen[bytes], base_url: str, log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no attempt"
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise RuntimeError(
                f"server exited with code {code} before answering /healthz; its output:\n"
                + read_log(log_path)
            )
        try:
            response = httpx.get(f"{base_url}/healthz", timeout=2.0)
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            last_error = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(
        f"server at {base_url} not healthy after {timeout:.0f}s ({last_error}); its output:\n"
        + read_log(log_path)
    )
