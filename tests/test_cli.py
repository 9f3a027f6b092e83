"""The `incident-record` command, run as a user runs it: a subprocess on a real database."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers_bundles import bundle
from tests.helpers_server import run_cli

pytestmark = pytest.mark.slow  # each test runs the command in a process

CLI = Path(sys.executable).parent / "incident-record"


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(f"sqlite:///{db}", *args)


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def test_seed_twice_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    first = run(db, "seed")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "000_4649b48b659e9093.json: created"
    before = dump(db)
    second = run(db, "seed")
    assert second.stdout.strip() == "000_4649b48b659e9093.json: unchanged"
    assert dump(db) == before


def test_import_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    data = bundle()
    data["quotes"][0]["text"] = "Many casualties,"
    data["incidents"][0]["location_id"] = "fort-elsewhere"
    data["incidents"][0]["date_start"] = "2099-13-01"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run(tmp_path / "cli.db", "import", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith("error: 3 error(s) in the bundle\n")
    assert "  quotes[0].span: text is not verbatim" in result.stderr
    assert "  incidents[0].location_id: unknown location id: fort-elsewhere" in result.stderr
    assert "  incidents[0].date_start: must be a valid date" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_a_good_bundle_then_a_changed_one(tmp_path: Path) -> None:
    db, path = tmp_path / "cli.db", tmp_path / "good.json"
    path.write_text(json.dumps(bundle()), encoding="utf-8")
    assert run(db, "import", str(path)).stdout.strip() == "good.json: created"
    path.write_text(json.dumps(bundle(title="A new title")), encoding="utf-8")
    conflict = run(db, "import", str(path))
    assert conflict.returncode == 1
    assert "exists with different content" in conflict.stderr
    assert run(db, "import", "--replace", str(path)).stdout.strip() == "good.json: replaced"


def test_db_upgrade(tmp_path: Path) -> None:
    result = run(tmp_path / "cli.db", "db", "upgrade")
    assert result.returncode == 0
    assert "latest migration" in result.stdout


def test_python_dash_m_app_is_the_same_command(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    for command in ("serve", "db", "seed", "import"):
        assert command in result.stdout


HOLD_A_PORT = """
import socket, sys, time
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen()
print(sock.getsockname()[1], flush=True)
time.sleep(300)
"""


def test_serve_on_a_busy_port_says_which_setting_to_change(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_PORT], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        port = holder.stdout.readline().strip()
        db = tmp_path / "cli.db"
        by_option = run(db, "serve", "--host", "127.0.0.1", "--port", port)
        by_setting = run_cli(
            f"sqlite:///{db}", "serve", "--workers", "2", env={"HOST": "127.0.0.1", "PORT": port}
        )
        assert holder.poll() is None  # it held the port throughout
    finally:
        holder.kill()
        holder.wait()
    for result in (by_option, by_setting):
        assert result.returncode == 1
        assert result.stderr == (
            f"error: port {port} on 127.0.0.1 is in use: set PORT (or --port) to another\n"
        )
        assert result.stdout == ""
    assert not db.exists()  # refused before it migrated anything
