"""`pip install` brings the explorer whole: its pages, scripts, styles, vendored files.

Builds the project's wheel as pip does and compares its files under app/explorer/ with
the checkout's, so a new kind of static file that package-data misses fails here rather
than on a user's machine (the other tests run from the checkout, where it would work).
"""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers_server import REPO_ROOT

EXPLORER = REPO_ROOT / "app" / "explorer"


@pytest.mark.slow
def test_the_wheel_holds_every_explorer_file(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), "."],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("incident_record-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.startswith("app/explorer/")}
    tree = {
        path.relative_to(REPO_ROOT).as_posix()
        for path in EXPLORER.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert shipped == tree
    assert "app/explorer/static/vendor/leaflet/LICENSE" in shipped
    assert "app/explorer/static/vendor/world-atlas/countries-110m.json" in shipped
