"""The explorer's third-party front-end files, pinned, from the npm registry.

    python scripts/vendor_explorer.py           # (re)write the vendored files
    python scripts/vendor_explorer.py --check   # exit 1 unless the committed files are exact

Each package is fetched with `npm pack NAME@VERSION`, its tarball checked against the
SHA-512 pinned here (the `integrity` npm records), and the files listed below copied out
unchanged, with the package's licence beside them. Leaflet, topojson-client and the
Natural Earth outlines of world-atlas ship with the app (`app/explorer/static/vendor/`);
axe-core is a test asset only (`tests/vendor/`), injected into pages by the browser tests.
Each folder gets a README saying what came from where. To upgrade a package, change its
version and integrity (`npm view NAME@VERSION dist.integrity`) and run the script.
"""

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "app" / "explorer" / "static" / "vendor"
TEST_ONLY = ROOT / "tests" / "vendor"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str
    licence: str
    folder: Path
    files: tuple[str, ...]  # paths inside the package, copied under folder/name/
    note: str


PACKAGES = (
    Package(
        "leaflet",
        "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        "BSD-2-Clause",
        SHIPPED,
        (
            "LICENSE",
            "dist/leaflet-src.esm.js",
            "dist/leaflet.css",
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
        ),
        "The map (SVG, no tiles, no WebGL).",
    ),
    Package(
        "topojson-client",
        "3.1.0",
        "sha512-605uxS6bcYxGXw9qi62XyrV6Q3xwbndjachmNxu8HWTtVPxZfEJN9fd/SZS1Q54Sn2y0TMyMxFj/cJINqGHrKw==",
        "ISC",
        SHIPPED,
        ("LICENSE", "dist/topojson-client.min.js"),
        "Turns the TopoJSON outlines into GeoJSON in the browser.",
    ),
    Package(
        "world-atlas",
        "2.0.2",
        "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==",
        "ISC (the data: Natural Earth, public domain)",
        SHIPPED,
        ("LICENSE", "countries-110m.json"),
        "Country outlines: Natural Earth 4.1.0 Admin 0 at 1:110m, as TopoJSON.",
    ),
    Package(
        "axe-core",
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        "MPL-2.0",
        TEST_ONLY,
        ("LICENSE", "axe.min.js"),
        "Accessibility checks injected by tests/test_explorer_browser.py; not shipped.",
    ),
)


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def npm_pack(package: Package, into: Path) -> Path:
    """The package's tarball, as the registry serves it, checked against the pin."""
    spec = f"{package.name}@{package.version}"
    done = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(into)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"npm pack {spec} failed:\n{done.stderr}")
    tarball = into / json.loads(done.stdout)[0]["filename"]
    got = sri(tarball.read_bytes())
    if got != package.integrity:
        sys.exit(f"{spec}: the tarball's integrity is {got}, not {package.integrity}")
    return tarball


def unpack(package: Package, tarball: Path) -> dict[str, bytes]:
    """The listed files of the package, by their path under the vendor folder."""
    out = {}
    with tarfile.open(tarball) as archive:
        for path in package.files:
            member = archive.extractfile(f"package/{path}")
            if member is None:
                sys.exit(f"{package.name}: {path} is not a file in the package")
            out[f"{package.name}/{path.removeprefix('dist/')}"] = member.read()
    return out


def readme(folder: Path, packages: list[Package]) -> bytes:
    lines = [
        "# Vendored third-party files",
        "",
        "Written by `python scripts/vendor_explorer.py` (do not edit by hand); CI runs it",
        "with `--check`. Each file is unchanged from the npm package named, whose tarball",
        "matched the integrity given; the package's licence is beside its files.",
        "",
        "| package | version | licence | integrity | what for |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in packages:
        lines.append(f"| {p.name} | {p.version} | {p.licence} | `{p.integrity}` | {p.note} |")
    return ("\n".join(lines) + "\n").encode()


def build(scratch: Path) -> dict[Path, bytes]:
    """Every vendored file, by its path, as this script makes it."""
    files: dict[Path, bytes] = {}
    for folder in (SHIPPED, TEST_ONLY):
        packages = [p for p in PACKAGES if p.folder == folder]
        for package in packages:
            for path, data in unpack(package, npm_pack(package, scratch)).items():
                files[folder / path] = data
        files[folder / "README.md"] = readme(folder, packages)
    return files


def on_disk() -> dict[Path, bytes]:
    return {
        path: path.read_bytes()
        for folder in (SHIPPED, TEST_ONLY)
        if folder.exists()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wanted = build(Path(scratch))
    if args.check:
        have = on_disk()
        problems = [f"missing: {p.relative_to(ROOT)}" for p in wanted if p not in have]
        problems += [
            f"not made by the script: {p.relative_to(ROOT)}" for p in have if p not in wanted
        ]
        problems += [
            f"differs: {p.relative_to(ROOT)}" for p in wanted if p in have and have[p] != wanted[p]
        ]
        if problems:
            print("\n".join(problems))
            sys.exit("the vendored files are not what scripts/vendor_explorer.py makes: run it")
        print(f"{len(wanted)} vendored files are exactly what the script makes")
        return
    for folder in (SHIPPED, TEST_ONLY):
        shutil.rmtree(folder, ignore_errors=True)
    for path, data in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    folders = " and ".join(str(folder.relative_to(ROOT)) for folder in (SHIPPED, TEST_ONLY))
    print(f"wrote {len(wanted)} files under {folders}")


if __name__ == "__main__":
    main()
