"""The `incident-record` command (also `python -m app`)."""

import argparse
import errno
import importlib
import json
import socket
import sys
from datetime import date
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, select

from app import backup
from app.config import get_settings
from app.db import Author, get_engine, without_time_limit, write_session
from app.db_errors import database_unavailable
from app.drafting import Step
from app.errors import ApiError
from app.loader import import_bundle, load_folder, read_bundle_file
from app.migrate import head_revision, one_at_a_time, upgrade
from app.models import Source
from app.schemas.drafts import DraftRequest
from app.schemas.messages import message_of
from app.services import drafts, keys
from app.services.history import REASON_MAX, check_reason
from app.synth import synthesize


def _seed(folder: Path) -> None:
    with write_session(get_engine()) as session:
        for name, outcome in load_folder(session, folder):
            print(f"{name}: {outcome}")


def _load(path: Path, *, replace: bool, reason: str | None) -> None:
    author = Author("cli", None, check_reason(reason, "--reason"))
    outcome = import_bundle(get_engine(), read_bundle_file(path), replace=replace, author=author)
    print(f"{path.name}: {outcome}")


def _draft(args: argparse.Namespace) -> None:
    """Print the draft bundle of an article, reusing the record's names where it has some."""
    try:
        text = args.article.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"error: cannot read {args.article}: {exc}") from None
    try:
        request = DraftRequest(
            text=text,
            published_on=args.published_on,
            publisher=args.publisher,
            title=args.title,
            dateline=args.dateline,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {message_of(e)}" for e in exc.errors()
        )
        raise SystemExit(f"error: {problems}") from None
    steps = tuple(_step(name) for name in args.step)
    if _record_exists():
        with Session(get_engine()) as session:
            bundle = drafts.draft(session, request, steps)
    else:
        print("no record at DATABASE_URL: names are not matched to it", file=sys.stderr)
        bundle = drafts.draft(None, request, steps)
    print(json.dumps(bundle, ensure_ascii=False, indent=2))


def _record_exists() -> bool:
    """Whether DATABASE_URL holds a migrated record (a draft never creates one)."""
    url = make_url(get_settings().database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return False
    with get_engine().connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head_revision()


def _step(name: str) -> Step:
    module, _, attribute = name.partition(":")
    try:
        step: Any = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SystemExit(f"error: no drafting step {name}: {exc}") from None
    if not callable(step):
        raise SystemExit(f"error: the drafting step {name} is not callable")
    return step


def _keys(args: argparse.Namespace) -> None:
    engine = get_engine()
    if args.action == "create":
        print(keys.create_key(engine, args.name, args.scope))
        print("Store this key now: it is not shown again.", file=sys.stderr)
    elif args.action == "revoke":
        keys.revoke_key(engine, args.name)
        print(f"revoked {args.name}")
    else:
        with Session(engine) as session:
            rows = keys.list_keys(session)
        print("name\tscope\tcreated\trevoked")
        for k in rows:
            revoked = f"{k.revoked_at:%Y-%m-%dT%H:%M:%SZ}" if k.revoked_at else "-"
            print(f"{k.name}\t{k.scope}\t{k.created_at:%Y-%m-%dT%H:%M:%SZ}\t{revoked}")


def _upgrade() -> None:
    with one_at_a_time(get_engine()):
        upgrade(get_engine())


def _prepare(seed_dir: Path) -> None:
    """Migrate, and seed an empty database: once, however many hosts start together."""
    with one_at_a_time(get_engine()):
        upgrade(get_engine())
        with Session(get_engine()) as session:
            empty = session.exec(select(Source.id).limit(1)).first() is None
        if empty:
            _seed(seed_dir)


def _can_listen(host: str, port: int) -> None:
    """Exit with one line naming the setting when `host:port` cannot be listened on (uvicorn
    would say only `[Errno 98] address already in use`), tried as uvicorn binds: every
    address of `host`, with SO_REUSEADDR."""
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        ):
            with socket.socket(family, kind, proto) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            problem = f"port {port} on {host} is in use: set PORT (or --port) to another"
        else:
            problem = f"cannot listen on {host}:{port} ({exc.strerror}): check HOST and PORT"
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(1) from None


def _serve(host: str, port: int, workers: int, migrate: bool = True) -> None:
    import uvicorn

    from app.http import access_log

    _can_listen(host, port)
    if migrate:
        _prepare(get_settings().seed_dir)
    # On SIGTERM uvicorn stops accepting, lets requests in flight finish for this long,
    # then cancels them (a write not committed by then is rolled back) and exits.
    settings = get_settings()
    options = access_log.uvicorn_options(settings)
    grace = settings.graceful_shutdown_seconds
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        # The app believes forwarded headers from FORWARDED_ALLOW_IPS (app.http.proxy);
        # uvicorn's own would believe any local peer's, and apply them a second time.
        proxy_headers=False,
        # httptools, with the time and size of a request's head bounded (app.http.server).
        http="app.http.server:BoundedHeadProtocol",
        timeout_graceful_shutdown=grace,
        workers=workers,
        **options,
    )


def _db(args: argparse.Namespace) -> None:
    url = get_settings().database_url
    if args.action == "upgrade":
        _upgrade()
        print("database schema is at the latest migration")
    elif args.action == "backup":
        print(backup.backup(url, args.path).line("backup written to"))
    else:
        restored = backup.restore(url, args.path, force=args.force)
        print(restored.line("restored"))
        if restored.revision != head_revision():
            print("`incident-record db upgrade` (or `serve`) brings its schema up to date")


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="incident-record",
        description="Serve and feed the incident record. The database is DATABASE_URL.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate, seed an empty database, then serve")
    serve.add_argument("--host", default=settings.host)
    serve.add_argument("--port", type=int, default=settings.port)
    serve.add_argument(
        "--workers", type=_positive, default=settings.workers, help="server processes (WORKERS)"
    )
    serve.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_false",
        help="neither migrate nor seed: for deployments that run `db upgrade` and `seed` as a"
        " step of their own",
    )
    db = commands.add_parser("db", help="database schema, backup and restore")
    db_actions = db.add_subparsers(dest="action", required=True)
    db_actions.add_parser("upgrade", help="apply every migration")
    db_backup = db_actions.add_parser(
        "backup", help="copy the live SQLite database to a new file (safe while serving)"
    )
    db_backup.add_argument("path", type=Path)
    db_restore = db_actions.add_parser(
        "restore", help="replace the SQLite database with a backup (stop the server first)"
    )
    db_restore.add_argument("path", type=Path)
    db_restore.add_argument(
        "--force", action="store_true", help="restore even while another process has it open"
    )
    seed = commands.add_parser("seed", help="load every bundle under the seed folder")
    seed.add_argument("--dir", type=Path, default=settings.seed_dir)
    load = commands.add_parser("import", help="validate and load one bundle file")
    load.add_argument("file", type=Path)
    load.add_argument(
        "--replace", action="store_true", help="replace the records of an existing source"
    )
    load.add_argument(
        "--reason",
        help=f"why (up to {REASON_MAX} characters): kept with the changes, in the change feed"
        " and each incident's history",
    )
    key_cmd = commands.add_parser("keys", help="API keys: create, list, revoke")
    key_actions = key_cmd.add_subparsers(dest="action", required=True)
    create = key_actions.add_parser("create", help="create a key and print it (only this once)")
    create.add_argument("--name", required=True, help="who or what uses it; shown in /v1/changes")
    create.add_argument("--scope", choices=keys.SCOPES, default="read")
    key_actions.add_parser("list", help="name, scope, created, revoked (never the key)")
    revoke = key_actions.add_parser("revoke", help="revoke a key: it stops working at once")
    revoke.add_argument("name")
    draft = commands.add_parser(
        "draft",
        help="print a draft bundle of an article (a .txt file) for review; stores nothing",
    )
    draft.add_argument("article", type=Path, metavar="ARTICLE.txt")
    draft.add_argument(
        "--published-on", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD"
    )
    draft.add_argument("--publisher")
    draft.add_argument("--title", help="default: the first line of the article")
    draft.add_argument("--dateline", help="e.g. BAGHDAD")
    draft.add_argument(
        "--step",
        action="append",
        default=[],
        metavar="MODULE:NAME",
        help="an extra drafting step to run after the rules (for example one calling a local "
        "model): a callable (bundle, article) -> bundle; repeatable",
    )
    synth = commands.add_parser("synth", help="write synthetic incidents, for benchmarks")
    synth.add_argument("--incidents", type=_positive, required=True, metavar="N")
    synth.add_argument("--seed", type=_natural, default=0, metavar="S", help="default 0")
    return parser


def _natural(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number: {value}")
    return int(value)


def _positive(value: str) -> int:
    if _natural(value) < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return int(value)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            _serve(args.host, args.port, args.workers, migrate=args.migrate)
        elif args.command == "db":
            _db(args)
        elif args.command == "seed":
            with one_at_a_time(get_engine()):
                upgrade(get_engine())
                _seed(args.dir)
        elif args.command == "import":
            _upgrade()
            _load(args.file, replace=args.replace, reason=args.reason)
        elif args.command == "keys":
            _upgrade()
            _keys(args)
        elif args.command == "draft":
            _draft(args)
        elif args.command == "synth":
            _upgrade()
            engine = without_time_limit(get_engine())  # a bulk load, run by an operator
            print(synthesize(engine, args.incidents, args.seed).line())
    except (DBAPIError, PoolTimeout) as exc:
        unavailable = database_unavailable(exc)
        if unavailable is None:
            raise
        print(f"error: {unavailable.detail}", file=sys.stderr)
        raise SystemExit(1) from None
    except ApiError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for item in exc.errors or []:
            print(f"  {item.field or item.param}: {item.message}", file=sys.stderr)
        raise SystemExit(1) from None
