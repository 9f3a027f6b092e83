"""GDAL's command-line tools (Debian's gdal-bin, installed by `.ci/run`), for GIS tests."""

import os
import shutil
import subprocess

import pytest


def require_gdal() -> None:
    """Skip without GDAL, except under CI (env CI set), where that is a failure."""
    if shutil.which("ogrinfo") and shutil.which("ogr2ogr"):
        return
    reason = "GDAL's ogrinfo/ogr2ogr not found (install Debian's gdal-bin)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and the GDAL test cannot run: {reason}")
    pytest.skip(reason)


def gdal(*args: str) -> str:
    """Run a GDAL command line; its output, or the test fails with what it said."""
    require_gdal()
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "30"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done.stdout
