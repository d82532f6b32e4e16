"""The `patron` command: Patron's own commands, and every Django management command besides.

patron import FILE [--profile P] [--map COLUMN=FIELD ...] [--dry-run] [--errors OUT] [--json]
patron demo [--seed N] [--parties N]
patron classify
patron serve [--bind ADDR] [--workers N]
patron migrate | createsuperuser | ...   (Django's own)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

OWN_COMMANDS = {"import", "demo", "classify", "score", "serve", "setup", "worker"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patron.settings")
    import django

    if not argv or argv[0] not in OWN_COMMANDS:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["patron", *argv])
        return 0
    django.setup()
    args = _parser().parse_args(argv)
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="patron", description="Patron relationship engine")
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", help="import a shop, payment or spreadsheet export")
    imp.add_argument("file", type=Path)
    imp.add_argument("--profile", choices=["shopify", "stripe", "woocommerce", "square", "generic"])
    imp.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD")
    imp.add_argument("--source", help="name of the system the file came from (default: profile)")
    imp.add_argument("--dry-run", action="store_true", help="show what would change; keep nothing")
    imp.add_argument("--errors", type=Path, metavar="OUT.csv", help="write rejected rows here")
    imp.add_argument("--json", action="store_true", help="print a machine-readable summary")
    imp.set_defaults(handler=_import)

    demo = sub.add_parser("demo", help="load the demo photo studio")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--parties", type=int, default=5000)
    demo.add_argument("--if-empty", action="store_true", help="do nothing if parties exist")
    demo.set_defaults(handler=_demo)

    classify = sub.add_parser("classify", help="classify every party as customer or client")
    classify.set_defaults(handler=_classify)

    score = sub.add_parser("score", help="fit the models and score every party now")
    score.add_argument("--model", choices=["bgnbd", "mbgnbd", "paretonbd"])
    score.add_argument("--json", action="store_true", help="print the run summary as JSON")
    score.set_defaults(handler=_score)

    worker = sub.add_parser("worker", help="run background tasks (scoring after imports)")
    worker.add_argument("--batch", action="store_true", help="run what is queued, then exit")
    worker.set_defaults(handler=_worker)

    serve = sub.add_parser("serve", help="serve the web app with gunicorn")
    serve.add_argument("--bind", default=os.environ.get("PATRON_BIND", "127.0.0.1:8000"))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    serve.add_argument(
        "--with-worker", action="store_true", help="also run a background worker beside it"
    )
    serve.set_defaults(handler=_serve)

    setup = sub.add_parser("setup", help="migrate, collect static files, create the demo login")
    setup.add_argument("--demo", action="store_true", help="load the demo business if empty")
    setup.set_defaults(handler=_setup)
    return parser


def _parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise SystemExit(f"patron import: --map wants COLUMN=FIELD, got '{pair}'")
        mapping[column.strip()] = target.strip()
    return mapping


def _import(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn

    from patron.commerce.services import ImportRejected, do_import_file, rejections_csv

    if not args.file.is_file():
        print(f"patron import: {args.file}: no such file", file=sys.stderr)
        return 2
    columns = (
        TextColumn("importing {task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
    )
    show_progress = sys.stderr.isatty() and not args.json
    with Progress(*columns, transient=True, disable=not show_progress) as bar:
        task = bar.add_task(args.file.name, total=None)
        try:
            report = do_import_file(
                args.file,
                profile_name=args.profile,
                mapping=_parse_mapping(args.map),
                source=args.source,
                dry_run=args.dry_run,
                progress=lambda rows, _bytes: bar.update(task, completed=rows),
            )
        except ImportRejected as exc:
            print(f"patron import: {exc}", file=sys.stderr)
            return 1
    if args.errors:
        args.errors.write_text(rejections_csv(report.rejections), encoding="utf-8-sig")
    if args.json:
        print(json.dumps(report.summary(), ensure_ascii=False, default=str, indent=2))
    else:
        _print_import_report(report, args)
    return 0


def _print_import_report(report, args: argparse.Namespace) -> None:
    verb = "would add" if report.dry_run else "added"
    print(
        f"{report.file_name}: {report.rows:,} rows read as {report.profile} "
        f"({report.encoding}); {verb} {report.orders_created:,} orders and "
        f"{report.parties_created:,} parties, updated {report.orders_updated:,}, "
        f"unchanged {report.orders_unchanged:,}; {report.purchases:,} purchases."
    )
    for warning in report.warnings:
        print(f"warning: {warning}")
    if report.rejections:
        print(f"{report.rejected_rows:,} rows rejected:")
        for r in report.rejections[:20]:
            print(f"  row {r.row}, {r.field}: {r.reason}")
        if len(report.rejections) > 20:
            more = "see --errors OUT.csv" if not args.errors else f"all in {args.errors}"
            print(f"  ... {len(report.rejections) - 20:,} more ({more})")
    if report.dry_run:
        print("dry run: nothing was kept.")


def _demo(args: argparse.Namespace) -> int:
    from patron.commerce.demo import do_load_demo
    from patron.parties.models import Party

    if args.if_empty and Party.objects.exists():
        print("demo: parties exist already; nothing loaded.")
        return 0
    summary = do_load_demo(seed=args.seed, parties=args.parties)
    print(f"demo: loaded {summary['parties']:,} parties and {summary['orders']:,} orders.")
    return 0


def _classify(args: argparse.Namespace) -> int:
    from patron.commerce.classification import do_classify_all

    counts = do_classify_all()
    print(", ".join(f"{kind}: {n:,}" for kind, n in sorted(counts.items())) or "no parties")
    return 0


def _score(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn

    from patron.insight.services import ScoringFailed, do_score

    show = sys.stderr.isatty() and not args.json
    with Progress(
        TextColumn("{task.description}"), BarColumn(), transient=True, disable=not show
    ) as bar:
        task = bar.add_task("scoring", total=1.0)
        try:
            run = do_score(
                args.model,
                progress=lambda step, done: bar.update(task, description=step, completed=done),
            )
        except ScoringFailed as exc:
            print(f"patron score: {exc}", file=sys.stderr)
            return 1
    summary = {
        "run": run.pk,
        "model": run.model,
        "parties_scored": run.parties_scored,
        "params": run.params,
        "fit": run.fit,
        "seconds": run.seconds,
    }
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        params = ", ".join(f"{k}={v:.4g}" for k, v in run.params["transactions"].items())
        print(
            f"scored {run.parties_scored:,} parties with {run.model} ({params}) "
            f"in {run.seconds:.1f} s"
        )
        holdout = run.fit.get("holdout")
        if holdout:
            print(
                f"holdout check ({holdout['weeks']} weeks): predicted "
                f"{holdout['predicted_total']:,.0f} repeat purchases, actual "
                f"{holdout['actual_total']:,.0f}"
            )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    options = {"batch": True} if args.batch else {}
    call_command("db_worker", queue_name="*", reload=False, **options)
    return 0


def _setup(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from patron.parties.team import ensure_demo_login

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    if args.demo:
        _demo(argparse.Namespace(seed=7, parties=5000, if_empty=True))
        from patron.insight.models import ScoringRun

        if not ScoringRun.objects.filter(status=ScoringRun.Status.DONE).exists():
            _score(argparse.Namespace(model=None, json=False))
    username, password = ensure_demo_login()
    print(f"login: {username} / {password}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import atexit
    import subprocess

    from gunicorn.app.wsgiapp import run

    if args.with_worker:
        worker = subprocess.Popen([sys.executable, "-m", "patron.cli", "worker"])
        atexit.register(worker.terminate)
    host, _, port = args.bind.rpartition(":")
    print(f"Patron is at http://{host or '127.0.0.1'}:{port}/", flush=True)
    sys.argv = [
        "gunicorn",
        "patron.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        # An import from the web page runs in its request: give a large file time to finish.
        "--timeout",
        os.environ.get("PATRON_REQUEST_TIMEOUT", "900"),
    ]
    run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
