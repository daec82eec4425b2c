"""The ``tocsin`` command: the public surface of DESIGN.md."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from tocsin.config import PACKAGE_DATA


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit status 1."""


def _fail(message: str, status: int = 1) -> NoReturn:
    print(f"tocsin: error: {message}", file=sys.stderr)
    raise SystemExit(status)


def _runtime() -> Any:
    from tocsin.runtime import Runtime

    return Runtime()


def cmd_network_load(args: argparse.Namespace) -> None:
    from ingest.network import NetworkFileError, load_network, read_network

    try:
        network = read_network(Path(args.file))
    except NetworkFileError as exc:
        raise UserError(str(exc)) from None
    rt = _runtime()
    with rt.session() as session:
        result = load_network(session, rt.vault, network)
        session.commit()
    print(f"loaded {result.regions} regions, {result.members} members, {result.channels} channel addresses")


def cmd_classify(args: argparse.Namespace) -> None:
    from classifiers.registry import load_active
    from classifiers.gazetteer import gazetteer_from_db

    rt = _runtime()
    with rt.session() as session:
        model = load_active(session)
        gazetteer = gazetteer_from_db(session)
        session.commit()
    if not gazetteer.has_places():
        from classifiers.gazetteer import Gazetteer
        from ingest.network import read_network

        demo = read_network(PACKAGE_DATA / "demo_network.yaml")
        gazetteer = Gazetteer((str(r["id"]), str(r.get("name") or r["id"]), r.get("aliases") or []) for r in demo["regions"])
    out = sys.stdout
    batch: list[tuple[Any, str]] = []

    def flush() -> None:
        preds = model.predict([text for _, text in batch])
        for (rid, text), pred in zip(batch, preds):
            out.write(json.dumps({"id": rid, "category": pred.category, "severity": pred.severity, "confidence": pred.confidence, "lang": pred.lang, "location": gazetteer.find(text)}, ensure_ascii=False) + "\n")
        out.flush()
        batch.clear()

    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            print(f"tocsin: line {number}: skipped, not a JSON object: {exc}", file=sys.stderr)
            continue
        text = row.get("text")
        batch.append((row.get("id"), text if isinstance(text, str) else ""))
        if len(batch) >= 512:
            flush()
    if batch:
        flush()


def cmd_evaluate(args: argparse.Namespace) -> None:
    from classifiers.corpus import read_jsonl
    from classifiers.evaluate import evaluate, format_confusion
    from classifiers.registry import load_active
    from classifiers.taxonomy import CATEGORIES

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        rows = list(read_jsonl(path))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    for i, row in enumerate(rows, 1):
        if row.get("category") not in CATEGORIES or not isinstance(row.get("severity"), int) or not isinstance(row.get("text"), str):
            raise UserError(f"{path}: row {i} needs text, a taxonomy category and an integer severity")
    rt = _runtime()
    with rt.session() as session:
        model = load_active(session)
        session.commit()
    metrics = evaluate(model, rows)
    metrics["model"] = model.version
    if args.json:
        print(json.dumps(metrics, ensure_ascii=False))
        return
    print(f"model {model.version}, {metrics['n']} reports")
    header = f"{'':8}{'n':>6}{'recall':>9}{'precis.':>9}{'macroF1':>9}{'sev.acc':>9}{'lang':>7}"
    print(header)
    for name, fig in [("overall", metrics), *sorted(metrics["per_lang"].items())]:
        fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else "  -  "  # noqa: E731
        print(f"{name:8}{fig['n']:>6}{fmt(fig.get('alert_recall')):>9}{fmt(fig.get('alert_precision')):>9}{fmt(fig.get('macro_f1')):>9}{fmt(fig.get('severity_accuracy')):>9}{fmt(fig.get('lang_accuracy')):>7}")
    if "everyday_alert_rate" in metrics:
        print(f"alert rate on everyday traffic: {metrics['everyday_alert_rate']:.3%} of {metrics['everyday_n']}")
    print()
    print(format_confusion(metrics))


def cmd_release(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from models.schema import Report

    rt = _runtime()
    with rt.session() as session:
        query = select(Report).where(Report.status == "held")
        if not args.all:
            query = query.where(Report.ref.in_([ref.upper() for ref in args.refs]))
        reports = session.scalars(query).all()
        if not args.all and len(reports) < len(set(args.refs)):
            missing = sorted({ref.upper() for ref in args.refs} - {r.ref for r in reports})
            raise UserError(f"no held report with reference {', '.join(missing)}")
        for report in reports:
            report.status = "new"
        session.commit()
    print(f"released {len(reports)} held report(s); the next stream run classifies them")


def cmd_run_once(args: argparse.Namespace) -> None:
    from tocsin.pipeline import run_once

    result = run_once(_runtime())
    for stage, stats in result.items():
        print(f"{stage:16} {json.dumps(stats, default=str)}")


def _require_free_port(host: str, port: int, flag: str) -> None:
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise UserError(f"port {port} on {host} is in use: stop what uses it or pass {flag} with another port") from None


def cmd_sandbox(args: argparse.Namespace) -> None:
    from ingest.sandbox import serve

    _require_free_port(args.host, args.port, "--port")
    print(f"sandbox on http://{args.host}:{args.port} (Telegram Bot API, Twilio Messages API, /control)", flush=True)
    serve(args.host, args.port)


def cmd_demo(args: argparse.Namespace) -> None:
    from tocsin.demo import run_demo

    _require_free_port("127.0.0.1", args.port, "--port")
    _require_free_port("127.0.0.1", args.sandbox_port, "--sandbox-port")
    run_demo(port=args.port, sandbox_port=args.sandbox_port, stream=not args.no_stream)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tocsin", description="Early-warning alerts for community dialogue networks.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="sandbox + Airflow standalone + demo network + a stream of reports")
    p.add_argument("--port", type=int, default=8080, help="Airflow UI port (default 8080)")
    p.add_argument("--sandbox-port", type=int, default=8765, help="sandbox port (default 8765)")
    p.add_argument("--no-stream", action="store_true", help="do not send the scripted reports")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sandbox", help="run only the Telegram and Twilio emulators")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("network", help="manage the network of regions and members")
    nsub = p.add_subparsers(dest="network_command", required=True, metavar="ACTION")
    q = nsub.add_parser("load", help="load or update the network from a YAML file")
    q.add_argument("file")
    q.set_defaults(func=cmd_network_load)

    p = sub.add_parser("classify", help='JSON Lines {"id","text"} on stdin → labels on stdout')
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("evaluate", help="evaluate the active model on a labelled JSON Lines file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("release", help="send reports held as a flood from one sender on to classification")
    p.add_argument("refs", nargs="*", metavar="REF", help="report reference codes")
    p.add_argument("--all", action="store_true", help="release every held report")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("run-once", help="one pass of every stage, without Airflow")
    p.set_defaults(func=cmd_run_once)

    from classifiers.commands import register as register_model_commands

    register_model_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from models.db import DatabaseUnavailable
    from models.pii import PIIKeyError

    try:
        args.func(args)
    except UserError as exc:
        _fail(str(exc))
    except (DatabaseUnavailable, PIIKeyError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except BrokenPipeError:
        raise SystemExit(0) from None


if __name__ == "__main__":
    main()
