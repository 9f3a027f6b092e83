"""nginx with the shipped configuration (deploy/nginx.conf) in front of real API hosts.

The file is used as it ships, with only what is this machine's replaced: the upstream
servers, the port, and the paths of the cache, the logs and the pid file (into a
temporary folder). nginx runs in the foreground (`daemon off`) as the user running the
tests (`user root` when that is root, who owns the temporary folder), never as a system
service. Without nginx (Debian: `apt-get install nginx-light`) the test skips, or fails
under CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.helpers_server import REPO_ROOT, free_port, read_log

CONFIG = REPO_ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        reason = "nginx not found (Debian: apt-get install nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(reason + " (required under CI)")
        pytest.skip(reason)
    return found


def render(config: str, folder: Path, port: int, upstreams: list[str]) -> str:
    """The shipped configuration for this machine: its hosts, port and folders."""
    servers = "".join(f"        server {u} max_fails=1 fail_timeout=5s;\n" for u in upstreams)
    config, replaced = re.subn(
        r"(        server \S+ max_fails=1 fail_timeout=5s;\n)+", servers, config
    )
    assert replaced == 1, "deploy/nginx.conf: the upstream's server lines moved"
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("pid /run/nginx-incident-record.pid;", f"pid {folder}/nginx.pid;"),
        ("/var/cache/nginx/incident-record", str(folder / "cache")),
        ("/var/log/nginx/incident-record.log", str(folder / "access.log")),
        (
            "http {\n",
            "http {\n"
            + "".join(
                f"    {kind}_temp_path {folder}/{kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            ),
        ),
    ):
        assert old in config, f"deploy/nginx.conf no longer has {old!r}"
        config = config.replace(old, new, 1)
    return config


@contextmanager
def nginx_in_front(folder: Path, upstreams: list[str]) -> Iterator[str]:
    """nginx on a free port in front of `upstreams` (`host:port`); yields its base URL."""
    binary = nginx_binary()
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(render(CONFIG.read_text(), folder, port, upstreams))
    user = "user root; " if os.geteuid() == 0 else ""
    log = folder / "error.log"
    command = [binary, "-p", str(folder), "-c", str(conf), "-e", str(log)]
    command += ["-g", f"{user}daemon off;"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, f"nginx exited: {read_log(log)}"
            try:
                httpx.get(f"{base_url}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, f"nginx did not answer: {read_log(log)}"
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
