"""Audit the locked dependencies for known vulnerabilities: `python .ci/audit.py`.

pip-audit checks every pin of constraints.txt exactly as locked (no resolution) against
a vulnerability service: PyPI's first, then OSV's (or only the OSV-compatible service at
`--osv-url`).

Exit 0: audited, and no vulnerability has a fix (any without one are listed).
Exit 1: a vulnerability that has a fix: upgrade (`bash .ci/lock`), or pip-audit failed.
Exit 2: nothing was audited, because no service answered for any dependency. pip-audit
itself says "No known vulnerabilities found" then; this script never calls that a pass.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

NOT_AUDITED = 2


def pip_audit(lock: Path, service: str, osv_url: str | None) -> tuple[list[dict[str, Any]], str]:
    """pip-audit's findings per dependency, or [] and why there are none."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        command = [
            sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--no-deps",
            "--disable-pip", "--vulnerability-service", service, "--format", "json",
            "--output", str(report), "--progress-spinner", "off", "--timeout", "30",
            "--cache-dir", str(Path(tmp) / "cache"),
        ]  # fmt: skip
        if osv_url:
            command += ["--osv-url", osv_url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if not report.exists():
            return [], (done.stderr.strip().splitlines() or ["pip-audit wrote nothing"])[-1]
        return json.loads(report.read_text())["dependencies"], ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", nargs="?", type=Path, default=Path("constraints.txt"))
    parser.add_argument("--osv-url", help="audit against this OSV-compatible service only")
    args = parser.parse_args()
    services = ["osv"] if args.osv_url else ["pypi", "osv"]
    unanswered = []
    for service in services:
        found, error = pip_audit(args.lock, service, args.osv_url)
        audited = [d for d in found if "skip_reason" not in d]
        if not audited:
            why = error or f"no answer for any of {len(found)}, e.g. {found[0]['skip_reason']}"
            unanswered.append(f"{service}: {why}")
            continue
        fixable = 0
        for dependency in audited:
            for vuln in dependency["vulns"]:
                fixes = vuln["fix_versions"]
                fixable += bool(fixes)
                ids = ", ".join([vuln["id"], *vuln.get("aliases", [])])
                fixed = f"fixed in {', '.join(fixes)}" if fixes else "no fix released"
                print(f"{dependency['name']} {dependency['version']}: {ids}: {fixed}")
        for dependency in found:
            if "skip_reason" in dependency:
                print(f"not audited: {dependency['skip_reason']}")
        print(
            f"pip-audit ({service}): {len(audited)} of {len(found)} locked dependencies "
            f"audited; {fixable} known vulnerabilities with a fix"
        )
        return 1 if fixable else 0
    print("NOT AUDITED: no vulnerability service answered for any locked dependency:")
    for line in unanswered:
        print(f"  {line}")
    return NOT_AUDITED


if __name__ == "__main__":
    sys.exit(main())
