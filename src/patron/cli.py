"""The `patron` command: Patron's own commands, and every Django management command besides.

Output is in the language of the environment (LANG=ko_KR.UTF-8 gives Korean).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

OWN_COMMANDS = (
    "import",
    "undo-import",
    "demo",
    "classify",
    "score",
    "worker",
    "deliver",
    "plan",
    "feedback",
    "tokens",
    "export-party",
    "serve",
    "setup",
    "help",
)
# As commerce.importers.profiles names them (read here without loading Django).
PROFILES = (
    "shopify",
    "stripe",
    "woocommerce",
    "square",
    "smartstore",
    "coupang",
    "cafe24",
    "11st",
    "esm",
    "generic",
)
EPILOG = """\
Django's management commands work too, e.g. `patron migrate`, `patron createsuperuser`,
`patron changepassword NAME`; `patron help --django` lists them.
`patron help COMMAND` (or `patron COMMAND --help`) explains one command."""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patron.settings")
    parser = _parser()
    if argv and argv[0] not in OWN_COMMANDS and not argv[0].startswith("-"):
        return _django(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "help":
        return _help(parser, args)
    import django

    django.setup()
    from django.utils import translation

    with translation.override(_environment_language()):
        return args.handler(args)


def patron_version() -> str:
    try:
        return version("patron")
    except PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="patron",
        description="Patron: a client and customer relationship engine. Commands:",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"patron {patron_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    imp = sub.add_parser(
        "import",
        help="import a shop, marketplace, payment or spreadsheet export (CSV, XLSX or XLS)",
        description="Import orders from an export file. Importing the same file again adds "
        "nothing; a killed import is completed by running it again. Afterwards the background "
        "worker classifies and scores the parties the file touched.",
    )
    imp.add_argument("file", type=Path, help="the export file (CSV, XLSX or XLS)")
    imp.add_argument(
        "--profile",
        choices=PROFILES,
        help="the export's format (default: recognised from its headers)",
    )
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="read COLUMN as FIELD (order_id, occurred_at, total, name, email, phone, ...; "
        "none: not used); repeat for several columns. Remembered for the file's source",
    )
    imp.add_argument(
        "--source",
        help="the system the file came from; order ids are unique per source, and what "
        "--map and --status say is remembered for its next files",
    )
    imp.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="WORD=MEANING",
        help="what a status word of this source means: paid, pending, cancelled or refunded "
        "(orders); done, booked, cancelled or no_show (bookings); remembered for the source",
    )
    imp.add_argument(
        "--encoding",
        metavar="NAME",
        help="the CSV's text encoding (utf-8, cp949, utf-16, ...; default: recognised)",
    )
    imp.add_argument(
        "--on-conflict",
        choices=["keep", "replace"],
        default="keep",
        help="an order number an earlier file gave to someone else: keep that (default), "
        "or give the order to the person this file names",
    )
    imp.add_argument(
        "--password",
        nargs="?",
        const=ASK,
        metavar="PASSWORD",
        help="the password of a password-protected workbook (SmartStore's downloads often are); "
        "given without a value it is asked for and not shown. It is used to open the file and "
        "kept nowhere",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="check and count everything, keep nothing"
    )
    imp.add_argument(
        "--errors", type=Path, metavar="OUT.csv", help="write the rejected rows to this CSV file"
    )
    imp.add_argument("--json", action="store_true", help="print a machine-readable summary")
    imp.set_defaults(handler=_import)

    undo = sub.add_parser(
        "undo-import",
        help="undo an import: remove the orders it added and the parties only it brought in",
        description="Undo an import by its number (shown on its page and in `import --json` as "
        "run_id). Orders it updated stay as the file left them.",
    )
    undo.add_argument("run", type=int, help="the import's number")
    undo.set_defaults(handler=_undo_import)

    demo = sub.add_parser(
        "demo",
        help="load the demo photo studio",
        description="Load a demo photo studio: print buyers, session and wedding clients, "
        "schools and companies, deterministic for a seed.",
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    demo.add_argument(
        "--parties", type=int, default=5000, help="how many parties to make (default: 5000)"
    )
    demo.add_argument(
        "--if-empty", action="store_true", help="do nothing if the database has parties already"
    )
    demo.set_defaults(handler=_demo)

    classify = sub.add_parser(
        "classify",
        help="read every party again: customer or client, with the reasons",
        description="Classify every party as customer or client from its history. A kind "
        "set by a person is never overwritten. Imports do this on their own (through the "
        "worker); this command is for after changing the PATRON_CLASSIFY_* thresholds.",
    )
    classify.set_defaults(handler=_classify)

    score = sub.add_parser(
        "score",
        help="fit the models and score every party now",
        description="Fit the purchase and spend models on every party's history and store "
        "fresh scores (chance still active, expected purchases, 12-month value, stage).",
    )
    score.add_argument(
        "--model",
        choices=["bgnbd", "mbgnbd", "paretonbd"],
        help="purchase model (default: PATRON_SCORE_MODEL, bgnbd)",
    )
    score.add_argument("--json", action="store_true", help="print the run summary as JSON")
    score.set_defaults(handler=_score)

    worker = sub.add_parser(
        "worker",
        help="run background work: imports from the page, refreshes after imports",
        description="Run queued background tasks until stopped (Ctrl+C). `make run` and "
        "`patron serve --with-worker` start one and restart it if it stops.",
    )
    worker.add_argument("--batch", action="store_true", help="run what is queued, then exit")
    worker.set_defaults(handler=_worker)

    deliver = sub.add_parser(
        "deliver",
        help="send the messages waiting in the outbox",
        description="Send due messages from the outbox (email, SMS, KakaoTalk), checking "
        "consent, suppressions and the night-time rule again for each. The background worker "
        "does this on its own; this command runs it in the foreground.",
    )
    deliver.add_argument(
        "--until-empty",
        action="store_true",
        help="stop when no message is due (default: keep waiting for new ones)",
    )
    deliver.add_argument("--json", action="store_true", help="print the counts as JSON")
    deliver.set_defaults(handler=_deliver)

    plan = sub.add_parser(
        "plan",
        help="plan a day's keep-in-touch contacts now",
        description="Apply every keep-in-touch cadence for a day: automatic messages go to "
        "the outbox (under consent and contact-pressure rules), personal check-ins become "
        "tasks, and two-year consent reconfirmations are sent. The worker does this each "
        "morning; running a day twice plans nothing twice.",
    )
    plan.add_argument("--date", help="the day, YYYY-MM-DD (default: today in Korea)")
    plan.add_argument("--json", action="store_true", help="print the counts as JSON")
    plan.set_defaults(handler=_plan)

    feedback = sub.add_parser(
        "feedback",
        help="list open feedback items, or those overdue",
        description="Feedback items are what parties told the business (an unhappy survey "
        "answer, a comment, what a member heard) with an owner and due times in working "
        "hours. Without options: every open item. The worker escalates overdue items to an "
        "owner on its own.",
    )
    feedback.add_argument(
        "--overdue", action="store_true", help="only the items past a due time, longest first"
    )
    feedback.add_argument("--json", action="store_true", help="print the items as JSON")
    feedback.set_defaults(handler=_feedback)

    tokens = sub.add_parser(
        "tokens",
        help="make, list and revoke the API's tokens",
        description="An integration (a shop, a till, a booking system) reaches the API with "
        "a token: each reads or writes only the areas it was given (parties, orders, "
        "outreach, loyalty, feedback) and ends after --days (90 by default, 365 at most). "
        "The token is printed once; Patron keeps only its digest.",
    )
    token_sub = tokens.add_subparsers(dest="action", required=True, help="what to do")
    make = token_sub.add_parser("create", help="make a token and print it once")
    make.add_argument("name", help="what uses it: the shop, the till")
    make.add_argument(
        "--area",
        action="append",
        required=True,
        metavar="AREA:ACCESS",
        help="an area and read or write, e.g. parties:read (repeat for more)",
    )
    make.add_argument("--days", type=int, default=90, help="how long it lasts (default 90)")
    listing = token_sub.add_parser("list", help="the tokens, newest first")
    listing.add_argument("--json", action="store_true", help="print them as JSON")
    revoke = token_sub.add_parser("revoke", help="stop a token now")
    revoke.add_argument("id", type=int, help="the token's number, as `patron tokens list` shows")
    tokens.set_defaults(handler=_tokens)

    export = sub.add_parser(
        "export-party",
        help="everything kept about one party, for their right to see and take it",
        description="Write everything Patron keeps about a party (profile, contact points, "
        "consents with evidence, orders, engagements, messages, survey answers, feedback, "
        "points, coupons, timeline, who looked at it) as JSON, or as a ZIP of CSV files.",
    )
    export.add_argument("party", type=int, help="the party's number (as on its page)")
    export.add_argument("--csv", action="store_true", help="a ZIP of CSV files, not JSON")
    export.add_argument("--out", help="the file to write (default: print the JSON)")
    export.set_defaults(handler=_export_party)

    serve = sub.add_parser(
        "serve",
        help="serve the web app with gunicorn",
        description="Serve Patron with gunicorn and whitenoise (static files).",
    )
    serve.add_argument(
        "--bind",
        default=os.environ.get("PATRON_BIND", "127.0.0.1:8000"),
        help="address and port (default: PATRON_BIND or 127.0.0.1:8000)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", 3)),
        help="web processes (default: WEB_CONCURRENCY or 3)",
    )
    serve.add_argument(
        "--with-worker",
        action="store_true",
        help="also run a background worker, restarted whenever it stops",
    )
    serve.set_defaults(handler=_serve)

    setup = sub.add_parser(
        "setup",
        help="migrate, collect static files, create the first owner",
        description="Prepare the database and static files. With --demo, load the demo "
        "business and print its login. Otherwise create the first owner once: from "
        "PATRON_OWNER_USERNAME and PATRON_OWNER_PASSWORD (or PATRON_OWNER_PASSWORD_FILE), or "
        "by asking. Setup never changes an existing password.",
    )
    setup.add_argument(
        "--demo", action="store_true", help="load the demo business (if empty) and its login"
    )
    setup.set_defaults(handler=_setup)

    helper = sub.add_parser("help", help="show help for a command: patron help import")
    helper.add_argument("topic", nargs="?", help="a command")
    helper.add_argument("--django", action="store_true", help="list Django's commands too")
    return parser


def _help(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.django:
        return _django(["help"])
    if not args.topic:
        parser.print_help()
        return 0
    if args.topic in OWN_COMMANDS:
        try:
            parser.parse_args([args.topic, "--help"])
        except SystemExit as done:  # argparse prints the help and exits
            return int(done.code or 0)
        return 0
    return _django(["help", args.topic])


def _django(argv: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["patron", *argv])
    return 0


def _environment_language() -> str:
    """The language of the environment (LC_ALL, LC_MESSAGES, LANG) if Patron speaks it."""
    from django.conf import settings

    wanted = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    code = (wanted or "").split(".")[0].split("_")[0].lower()
    known = {language for language, _ in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def _parse_mapping(pairs: list[str], option: str = "--map", what: str = "COLUMN=FIELD"):
    from django.utils.translation import gettext as _

    mapping = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            message = _("%(option)s wants %(what)s, got “%(pair)s”.") % {
                "option": option,
                "what": what,
                "pair": pair,
            }
            raise SystemExit(f"patron import: {message}")
        mapping[column.strip()] = target.strip()
    return mapping


def _remember(args: argparse.Namespace, mapping: dict[str, str]) -> tuple[dict, dict]:
    """Keep what --map and --status say for the file's source (not on a dry run); the
    columns ("" for a column said to be "none": not used) and the status meanings to read
    this file with."""

    from patron.commerce.importers.profiles import detect_profile, header_key
    from patron.commerce.importers.reading import UnreadableFile, open_table
    from patron.commerce.readings import ReadingRefused, check_reading, do_remember_reading
    from patron.core.wording import say

    statuses = _parse_mapping(args.status, "--status", "WORD=MEANING")
    if not mapping and not statuses:
        return mapping, statuses
    try:
        header = open_table(args.file, 2**40, args.encoding).header
    except UnreadableFile:
        header = []  # a protected workbook: its columns are checked by the import
    known = {header_key(name) for name in header}
    for column, target in mapping.items():
        if header and header_key(column) not in known:
            # Refused before anything is remembered: a typo is never kept for the source.
            problem = {"code": "file.map_unknown_column", "column": column, "field": target}
            raise SystemExit(f"patron import: {args.file.name}: {say(problem)}")
    # The source a file without --source is kept under: its format's name.
    source = args.source or args.profile or (detect_profile(header).name if header else "generic")
    columns = {column: "" if target == "none" else target for column, target in mapping.items()}
    try:
        check_reading(columns, statuses)
        if not args.dry_run:  # a dry run keeps nothing, this included
            do_remember_reading(source, columns=columns, statuses=statuses)
    except ReadingRefused as exc:
        raise SystemExit(f"patron import: {exc}") from None
    return columns, statuses


ASK = object()  # --password given without a value


def _password(given) -> str | None:
    if given is ASK:
        return getpass.getpass("Password of the workbook: ")
    return given


def _import(args: argparse.Namespace) -> int:
    from django.db import OperationalError
    from rich.progress import BarColumn, Progress, TextColumn

    from patron import jobs
    from patron.commerce.imports import ImportRejected, do_import_file
    from patron.core.wording import say

    if not args.file.is_file():
        print(f"patron import: {args.file}: no such file", file=sys.stderr)
        return 2
    password = _password(args.password)
    mapping, meanings = _remember(args, _parse_mapping(args.map))
    columns = (
        TextColumn("{task.description}"),
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
                mapping=mapping,
                meanings=meanings,
                source=args.source,
                encoding=args.encoding,
                on_conflict=args.on_conflict,
                dry_run=args.dry_run,
                progress=lambda rows, _fraction: bar.update(task, completed=rows),
                password=password,
            )
        except ImportRejected as exc:
            print(f"patron import: {args.file.name}: {exc}", file=sys.stderr)
            return 1
        except OperationalError as exc:  # the database is full, read-only or gone
            problem = {"code": "import.database_unwritable", "detail": str(exc)[:200]}
            print(f"patron import: {args.file.name}: {say(problem)}", file=sys.stderr)
            return 1
    jobs.refresh_after_import(report)
    if args.errors:
        _write_errors(args.errors, report.run_id)
    if args.json:
        print(json.dumps(report.summary(), ensure_ascii=False, default=str, indent=2))
    else:
        _print_import_report(report, args)
    # Every row refused: nothing was imported, and a script calling this must know it.
    return 1 if report.rows and report.rejected_rows >= report.rows else 0


def _write_errors(path: Path, run_id: int) -> None:
    from patron.commerce.imports import rejections_csv_lines
    from patron.commerce.models import RejectedRow

    rows = RejectedRow.objects.filter(run_id=run_id).order_by("row", "pk").iterator()
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        for line in rejections_csv_lines(rows):
            out.write(line)


def _bookings_message(report) -> dict:
    return {
        "code": "import.bookings_done",
        "file": report.file_name,
        "rows": report.rows,
        "created": report.engagements_created,
        "updated": report.engagements_updated,
        "unchanged": report.engagements_unchanged,
        "completed": report.engagements_completed,
        "upcoming": report.engagements_upcoming,
        "cancelled": report.engagements_cancelled,
        "no_show": report.engagements_no_show,
        "parties": report.parties_created,
        "dry_run": report.dry_run,
        "purchases": report.purchases,
    }


def _print_import_report(report, args: argparse.Namespace) -> None:
    from django.utils.translation import gettext as _

    from patron.core.wording import say

    values = {
        "file": report.file_name,
        "rows": f"{report.rows:,}",
        "profile": report.profile,
        "encoding": report.encoding,
        "created": f"{report.orders_created:,}",
        "parties": f"{report.parties_created:,}",
        "updated": f"{report.orders_updated:,}",
        "unchanged": f"{report.orders_unchanged:,}",
        "purchases": f"{report.purchases:,}",
    }
    if report.kind == "bookings":
        line = say(_bookings_message(report)).replace("%", "%%")
    elif report.dry_run:
        line = _(
            "%(file)s: %(rows)s rows read as %(profile)s (%(encoding)s); would add %(created)s "
            "orders and %(parties)s parties, update %(updated)s, leave %(unchanged)s as they "
            "are; %(purchases)s purchases."
        )
    else:
        line = _(
            "%(file)s: %(rows)s rows read as %(profile)s (%(encoding)s); added %(created)s "
            "orders and %(parties)s parties, updated %(updated)s, %(unchanged)s already up to "
            "date; %(purchases)s purchases."
        )
    print(line % values)
    for warning in report.warnings:
        print(_("warning: %(text)s") % {"text": say(warning)})
    if report.orders_conflicting:
        print(
            _(
                "%(count)s orders with numbers seen in an earlier file belong to other people "
                "there: kept as they were (--on-conflict replace gives them to this file's "
                "people; --source NAME imports the file as another system's)."
            )
            % {"count": f"{report.orders_conflicting:,}"}
        )
    for issue in report.issues[:20]:
        print("  " + say(issue))
    if report.recognised:
        print(_("How the columns were read (correct one with --map COLUMN=FIELD):"))
        for item in report.recognised:
            print("  " + say({"code": "header.recognised", **item}))
    for unknown in report.unknown_statuses:
        print("  " + say({"code": "import.unknown_status", **unknown}))
    if report.unknown_statuses:
        print(_("  (say what a status means with --status WORD=MEANING)"))
    if report.rejected_rows:
        print(_("%(count)s rows rejected:") % {"count": f"{report.rejected_rows:,}"})
        for r in report.rejections[:20]:
            where = f"{r.field}: " if r.field else ""
            print(
                _("  row %(row)s, %(where)s%(reason)s")
                % {"row": r.row, "where": where, "reason": say(r.reason)}
            )
        if report.rejected_rows > 20:
            more = f"{report.rejected_rows - 20:,}"
            if args.errors:
                print(
                    _("  ... %(count)s more, all in %(path)s")
                    % {"count": more, "path": args.errors}
                )
            else:
                print(_("  ... %(count)s more (see --errors OUT.csv)") % {"count": more})
    if report.dry_run:
        print(_("Dry run: nothing was kept."))
    else:
        print(_("Customer or client, and the scores, follow in the background (patron worker)."))


def _undo_import(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from patron import jobs
    from patron.commerce.models import ImportRun
    from patron.commerce.undo import UndoRefused, do_undo_import

    run = ImportRun.objects.filter(pk=args.run).first()
    if run is None:
        print(f"patron undo-import: {args.run}: no such import", file=sys.stderr)
        return 2
    try:
        counts = do_undo_import(run, actor=None)
    except UndoRefused as exc:
        print(f"patron undo-import: {exc}", file=sys.stderr)
        return 1
    if counts["touched"]:
        jobs.refresh_later(counts["touched"])
    print(
        _("%(file)s: %(orders)s orders, %(bookings)s bookings and %(parties)s parties removed.")
        % {
            "file": run.file_name,
            "orders": f"{counts['orders_removed']:,}",
            "bookings": f"{counts['engagements_removed']:,}",
            "parties": f"{counts['parties_removed']:,}",
        }
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from patron.demo import do_load_demo
    from patron.parties.models import Party

    if args.if_empty and Party.objects.exists():
        print("demo: parties exist already; nothing loaded.")
        return 0
    summary = do_load_demo(seed=args.seed, parties=args.parties)
    print(f"demo: loaded {summary['parties']:,} parties and {summary['orders']:,} orders.")
    return 0


def _classify(args: argparse.Namespace) -> int:
    from patron.insight.classification import do_classify
    from patron.parties.wording import kind_label

    counts = do_classify()
    print(", ".join(f"{kind_label(k)}: {n:,}" for k, n in sorted(counts.items())) or "-")
    return 0


def _score(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _
    from rich.progress import BarColumn, Progress, TextColumn

    from patron.insight.scoring import ScoringFailed, do_score

    steps = {
        "aggregate": _("reading purchases"),
        "fit": _("fitting the models"),
        "holdout": _("checking the forecast"),
        "score": _("scoring every party"),
        "save": _("saving scores"),
        "done": _("done"),
    }
    show = sys.stderr.isatty() and not args.json
    with Progress(
        TextColumn("{task.description}"), BarColumn(), transient=True, disable=not show
    ) as bar:
        task = bar.add_task(steps["aggregate"], total=1.0)
        try:
            run = do_score(
                args.model,
                progress=lambda step, done: bar.update(
                    task, description=steps.get(step, step), completed=done
                ),
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
        return 0
    params = ", ".join(f"{k}={v:.4g}" for k, v in run.params["transactions"].items())
    print(
        _("scored %(count)s parties with %(model)s (%(params)s) in %(seconds)s s")
        % {
            "count": f"{run.parties_scored:,}",
            "model": run.model,
            "params": params,
            "seconds": f"{run.seconds:.1f}",
        }
    )
    holdout = run.fit.get("holdout")
    if holdout:
        print(
            _(
                "holdout check (%(weeks)s weeks): predicted %(predicted)s repeat purchases, "
                "actual %(actual)s"
            )
            % {
                "weeks": holdout["weeks"],
                "predicted": f"{holdout['predicted_total']:,.0f}",
                "actual": f"{holdout['actual_total']:,.0f}",
            }
        )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from patron.worker import run_worker

    run_worker(batch=args.batch)
    return 0


def _deliver(args: argparse.Namespace) -> int:
    from collections import Counter

    from patron.jobs import courier_round

    totals: Counter = Counter()
    try:
        while True:
            counts = courier_round()
            totals.update(counts)
            if not counts:
                if args.until_empty:
                    break
                time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    waiting = _waiting_channels()
    if args.json:
        print(json.dumps({**dict(sorted(totals.items())), "waiting": waiting}))
    else:
        for key, count in sorted(totals.items()):
            print(f"{key}: {count}")
        for channel, held in waiting.items():
            print(f"waiting_{channel}: {held['count']} ({held['reason']})")
    return 0


def _waiting_channels() -> dict[str, dict]:
    """Channels that do not send now (not set up, paused), with the messages waiting on
    each and why: a delivery run that sent nothing says so."""
    from patron.core.wording import say
    from patron.outreach.channels.status import channel_states
    from patron.outreach.queries import waiting_by_channel

    quiet = {c: s for c, s in channel_states().items() if not s.sends}
    counts = waiting_by_channel(list(quiet))
    return {
        channel: {
            "count": counts.get(channel, 0),
            "reason": say(state.waits_reason),
            "code": (state.waits_reason or {}).get("code", ""),
        }
        for channel, state in quiet.items()
    }


def _plan(args: argparse.Namespace) -> int:
    import datetime as dt

    from django.utils import timezone

    from patron.jobs import PlanRefused, plan_day_now

    try:
        day = dt.date.fromisoformat(args.date) if args.date else timezone.localdate()
        if not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
            raise ValueError(args.date)
    except ValueError:
        print(
            "patron plan: --date must be a day between 2000 and 2100 like 2026-11-24, "
            f"not {args.date!r}",
            file=sys.stderr,
        )
        return 2
    try:
        run = plan_day_now(day)
    except PlanRefused as refused:
        print(f"patron plan: {refused}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(run.counts))
    else:
        for key, count in run.counts.items():
            print(f"{key}: {count}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from patron.feedback.items import item_report, overdue_report
    from patron.feedback.wording import local_time

    rows = overdue_report() if args.overdue else item_report()
    if args.json:
        print(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("No overdue feedback.") if args.overdue else _("No open feedback."))
        return 0
    for row in rows:
        data = row.as_json()
        late = (
            _("%(hours)s working hours late") % {"hours": data["working_hours_late"]}
            if data["working_hours_late"]
            else _("due %(when)s") % {"when": local_time(data["due"])}
        )
        severity = row.item.get_severity_display()
        print(
            f"#{data['id']}  {data['party']['name']}  {severity}  "
            f"{data['owner'] or '-'}  {local_time(data['due'])}  {late}"
        )
    return 0


def _tokens(args: argparse.Namespace) -> int:
    from patron.accounts.models import ApiToken
    from patron.accounts.tokens import TokenRefused, do_make_token, do_revoke_token

    if args.action == "create":
        scopes = dict(area.partition(":")[::2] for area in args.area)
        try:
            made = do_make_token(args.name, scopes, days=args.days)
        except TokenRefused as refused:
            print(f"patron tokens: {refused}", file=sys.stderr)
            return 2
        print(made.secret)
        print(
            f"#{made.token.pk} {made.token.name}: shown once, until "
            f"{made.token.expires_at:%Y-%m-%d}",
            file=sys.stderr,
        )
        return 0
    if args.action == "revoke":
        token = ApiToken.objects.filter(pk=args.id).first()
        if token is None:
            print(f"patron tokens: there is no token #{args.id}", file=sys.stderr)
            return 2
        do_revoke_token(token)
        print(f"#{token.pk} {token.name}: revoked")
        return 0
    rows = [
        {
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
            "revoked": token.revoked_at is not None,
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        }
        for token in ApiToken.objects.order_by("-created_at", "-pk")
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        state = "revoked" if row["revoked"] else f"until {row['expires_at'][:10]}"
        areas = ", ".join(f"{area}:{access}" for area, access in row["scopes"].items())
        print(f"#{row['id']}  {row['name']}  {row['prefix']}…  {areas}  {state}")
    return 0


def _export_party(args: argparse.Namespace) -> int:
    from patron import rights
    from patron.parties.models import AccessAction, AccessRecord, Party

    party = Party.objects.filter(pk=args.party).first()
    if party is None:
        print(f"patron export-party: there is no party #{args.party}", file=sys.stderr)
        return 2
    while party.merged_into_id:
        party = party.merged_into
    AccessRecord.objects.create(
        action=AccessAction.EXPORT, parties=[party.pk], count=1, path="cli:export-party"
    )
    if args.csv:
        if not args.out:
            print("patron export-party: --csv needs --out FILE.zip", file=sys.stderr)
            return 2
        Path(args.out).write_bytes(rights.as_csv_zip(party))
    elif args.out:
        Path(args.out).write_text(rights.as_json(party), encoding="utf-8")
    else:
        print(rights.as_json(party))
    return 0


def _setup(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    if args.demo:
        return _setup_demo()
    return _setup_first_owner()


def _setup_demo() -> int:
    from patron.accounts.services import TeamChangeRefused, ensure_demo_login
    from patron.core.runs import RunStatus
    from patron.insight.models import ScoringRun

    # The owner first: the demo's feedback that nobody answered in time is passed to them.
    try:
        username, password = ensure_demo_login()
    except TeamChangeRefused as exc:
        print(f"patron setup: {exc}", file=sys.stderr)
        username = password = None
    _demo(argparse.Namespace(seed=7, parties=5000, if_empty=True))
    if not ScoringRun.objects.filter(status=RunStatus.DONE).exists():
        _score(argparse.Namespace(model=None, json=False))
    if username:
        print(f"login: {username} / {password}")
    return 0


def _setup_first_owner() -> int:
    from patron.accounts.roles import Role
    from patron.accounts.services import TeamChangeRefused, do_add_member, has_owner
    from patron.settings import env_str

    if has_owner():
        print("patron setup: done (the business has an owner already).")
        return 0
    username = env_str("PATRON_OWNER_USERNAME")
    password = env_str("PATRON_OWNER_PASSWORD")
    if not (username and password):
        if not sys.stdin.isatty():
            print(
                "patron setup: no owner yet. Run `patron setup` in a terminal to create one, "
                "or set PATRON_OWNER_USERNAME and PATRON_OWNER_PASSWORD (or _FILE).",
                file=sys.stderr,
            )
            return 0
        username = input("The first owner's username: ").strip()
        password = getpass.getpass("Their password (12 characters or more): ")
    try:
        do_add_member(username, role=Role.OWNER, password=password)
    except TeamChangeRefused as exc:
        print(f"patron setup: {exc}", file=sys.stderr)
        return 1
    print(f"patron setup: {username} is the business's first owner.")
    return 0


def _quick_database_for_web() -> None:
    """Web requests wait at most a few seconds for a busy database, then answer 503 with
    Retry-After (patron.web.middleware) instead of hanging for the full busy timeout."""
    from django.conf import settings
    from django.db import connections

    wait = int(os.environ.get("PATRON_WEB_DB_WAIT", "5"))
    database = settings.DATABASES["default"]
    options = database.setdefault("OPTIONS", {})
    if database["ENGINE"].endswith("sqlite3"):
        options["timeout"] = wait
    elif database["ENGINE"].endswith("postgresql"):
        options["options"] = f"-c lock_timeout={wait * 1000}"
    connections.close_all()


def _say_channels() -> None:
    """How each channel sends, said where the owner sees it first: a demo prints, a channel
    not set up makes its messages wait."""
    from patron.core.wording import say
    from patron.outreach.channels.status import DEMO, OFF, channel_states

    for channel, state in channel_states().items():
        if state.mode == DEMO:
            print(f"{channel}: demo mode, printed in this terminal, not sent", flush=True)
        elif state.mode == OFF:
            print(f"{channel}: not set up, messages wait ({say(state.problem)})", flush=True)
        else:
            print(f"{channel}: {state.provider}", flush=True)


def _serve(args: argparse.Namespace) -> int:
    import atexit

    from gunicorn.app.wsgiapp import run

    _quick_database_for_web()
    if args.with_worker:
        from patron.worker import Supervisor

        supervisor = Supervisor()
        supervisor.start()
        atexit.register(supervisor.stop)
    host, _, port = args.bind.rpartition(":")
    print(f"Patron is at http://{host or '127.0.0.1'}:{port}/", flush=True)
    _say_channels()
    sys.argv = [
        "gunicorn",
        "patron.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        # Imports run in the background worker: requests are short.
        "--timeout",
        os.environ.get("PATRON_REQUEST_TIMEOUT", "60"),
    ]
    run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
