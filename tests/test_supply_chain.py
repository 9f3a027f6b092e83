"""CI's supply-chain checks: the dependency audit (`.ci/audit.py`) and the lock check.

The audit runs the real pip-audit on a lock file. The vulnerability services it asks on
the internet are out of reach of the test, so an OSV-compatible service of the test's
own answers on 127.0.0.1 (pip-audit's `--osv-url`), with invented advisories.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from tests.helpers_server import REPO_ROOT, free_port

pytestmark = pytest.mark.slow

LOCK = "httpx==0.27.0\nh11==0.14.0\nidna==3.7\n"


def advisory(fixed: str | None) -> dict[str, Any]:
    events: list[dict[str, str]] = [{"introduced": "0"}]
    if fixed:
        events.append({"fixed": fixed})
    return {
        "id": f"TEST-{fixed or 'UNFIXED'}",
        "aliases": ["CVE-2099-0001"],
        "summary": "An invented advisory.",
        "affected": [{"package": {"name": "PLACEHOLDER", "ecosystem": "PyPI"},
                      "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
    }  # fmt: skip


@contextmanager
def osv_service(advisories: dict[str, list[dict[str, Any]]]) -> Iterator[str]:
    """An OSV `/v1/query` endpoint that knows `advisories` (package name: advisories)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server hook's name)
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            name = query["package"]["name"]
            vulns = json.loads(json.dumps(advisories.get(name, [])).replace("PLACEHOLDER", name))
            body = json.dumps({"vulns": vulns} if vulns else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()


def audit(lock: Path, url: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(REPO_ROOT / ".ci" / "audit.py"), str(lock), "--osv-url", url]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_a_vulnerability_with_a_fix_fails_the_audit(tmp_path: Path) -> None:
    lock = tmp_path / "constraints.txt"
    lock.write_text(LOCK)
    with osv_service({"httpx": [advisory("0.28.0")], "h11": [advisory(None)]}) as url:
        done = audit(lock, url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "httpx 0.27.0: CVE-2099-0001, TEST-0.28.0: fixed in 0.28.0" in done.stdout
    assert "h11 0.14.0: CVE-2099-0001, TEST-UNFIXED: no fix released" in done.stdout
    assert "3 of 3 locked dependencies audited; 1 known vulnerabilities with a fix" in done.stdout


def test_a_vulnerability_without_a_fix_is_listed_and_passes(tmp_path: Path) -> None:
    lock = tmp_path / "constraints.txt"
    lock.write_text(LOCK)
    with osv_service({"h11": [advisory(None)]}) as url:
        done = audit(lock, url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "h11 0.14.0: CVE-2099-0001, TEST-UNFIXED: no fix released" in done.stdout


def test_no_service_is_not_a_pass(tmp_path: Path) -> None:
    lock = tmp_path / "constraints.txt"
    lock.write_text(LOCK)
    done = audit(lock, f"http://127.0.0.1:{free_port()}/v1/query")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "NOT AUDITED" in done.stdout


def lock_check(lock: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO_ROOT / ".ci" / "lock"), "--check", str(lock)],
        env={**os.environ, "VENV_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_lock_check_finds_an_unpinned_or_a_missing_package(tmp_path: Path) -> None:
    pins = (REPO_ROOT / "constraints.txt").read_text().splitlines()
    if os.environ.get("CI"):  # CI installs exactly the lock; a developer's .venv may hold more
        assert lock_check(REPO_ROOT / "constraints.txt").returncode == 0
    for changed in (pins[:-1], [*pins, "not-installed-anywhere==1.0"]):
        lock = tmp_path / "constraints.txt"
        lock.write_text("\n".join(changed) + "\n")
        done = lock_check(lock)
        assert done.returncode == 1
        assert "stale against pyproject.toml" in done.stderr
