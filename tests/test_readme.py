"""The README's shell commands run as written after its install line.

Each `sh` block (but the install lines themselves) runs in bash, from a folder that holds
the checkout's `.venv` as a user's checkout does, against a real `incident-record serve`
(`localhost:8000` becomes its address). curl is told to fail on an HTTP error, so every
request must succeed.
"""

import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers_server import REPO_ROOT, LiveServer, running_server

pytestmark = pytest.mark.slow  # a server in a process of its own, over real HTTP

README = REPO_ROOT / "README.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
INSTALLS = ("python3 -m venv", ".venv/bin/pip install")


def blocks() -> list[str]:
    """The README's shell blocks, without the install lines."""
    runnable = []
    for block in BLOCK.findall(README.read_text()):
        lines = [line for line in block.splitlines() if not line.startswith(INSTALLS)]
        if any(line.strip() for line in lines):
            runnable.append("\n".join(lines) + "\n")
    return runnable


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, LiveServer]]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    workdir = tmp_path_factory.mktemp("readme")
    (workdir / ".venv").symlink_to(REPO_ROOT / ".venv")
    (workdir / ".curlrc").write_text("--fail-with-body\n--silent\n--show-error\n")
    with running_server(workdir) as live:
        yield workdir, live


def test_the_readme_has_commands_to_run() -> None:
    assert len(blocks()) >= 3
    for block in blocks():
        for line in block.splitlines():
            command = line.split()[0] if line.strip() else ""
            # Installed commands are named by their path: no PATH is assumed.
            assert not command.startswith(("incident-record", "python ", "pip")), line


def test_every_install_is_of_the_locked_versions() -> None:
    """A user gets what the tests ran with: `-c constraints.txt`, and extras that exist."""
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    installs = re.findall(r"pip install [^`\n]*", README.read_text())
    assert len(installs) >= 4  # the quickstart, the tests, pandas twice, the lock
    for install in installs:
        assert "-c constraints.txt" in install, install
        for extra in re.findall(r'-e "\.\[(\w+)\]"', install):
            assert extra in extras, install


@pytest.mark.parametrize("number", range(len(blocks())))
def test_each_readme_block_runs_as_written(checkout: tuple[Path, LiveServer], number: int) -> None:
    workdir, live = checkout
    script = blocks()[number].replace("localhost:8000", live.base_url.removeprefix("http://"))
    env = {
        **os.environ,
        "CURL_HOME": str(workdir),  # the .curlrc above
        "DATABASE_URL": f"sqlite:///{workdir / 'e2e.db'}",  # the server's, as in a checkout
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"{script}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    if "--name fact-checker" in script:
        assert '"key_name":"fact-checker"' in result.stdout  # the PATCH is in the change feed
