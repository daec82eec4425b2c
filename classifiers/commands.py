"""``tocsin`` subcommands about the model: labelling reports and retraining."""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from classifiers.taxonomy import PRECEDENCE


def cmd_label(args: argparse.Namespace) -> None:
    """Store an operator's correction of one report's label."""
    from classifiers.corrections import CorrectionError, record_correction
    from tocsin.cli import UserError
    from tocsin.runtime import Runtime

    with Runtime().session() as session:
        try:
            correction = record_correction(session, args.report_ref, args.category, args.severity, operator=args.operator)
        except CorrectionError as exc:
            raise UserError(str(exc)) from None
        session.commit()
        print(f"report {args.report_ref.upper()} labelled {correction.category} severity {correction.severity}; used at the next retraining")


def cmd_retrain(args: argparse.Namespace) -> None:
    """Train a candidate on the corpus plus corrections and promote it only if it is no worse."""
    from classifiers.training import retrain
    from tocsin.runtime import Runtime

    logging.getLogger("classifiers").setLevel(logging.INFO)
    with Runtime().session() as session:
        decision = retrain(session)
    if args.json:
        print(json.dumps(decision, ensure_ascii=False))
        return
    print(decision["reason"])
    for name in ("candidate", "active"):
        print(f"{name:10} {json.dumps(decision[f'{name}_metrics'])}")
    print(f"active model: {decision['active']}")


def register(sub: Any) -> None:
    """Add this package's subcommands to the ``tocsin`` parser."""
    p = sub.add_parser("label", help="correct a report's category and severity (feeds retraining)")
    p.add_argument("report_ref", metavar="REPORT_REF", help="the report's reference code")
    p.add_argument("category", metavar="CATEGORY", choices=PRECEDENCE, help="one of: " + ", ".join(PRECEDENCE))
    p.add_argument("severity", metavar="SEVERITY", type=int, choices=(0, 1, 2, 3), help="0-3, as TAXONOMY.md allows for the category")
    p.add_argument("--operator", default="operator", help="who made the correction (default: operator)")
    p.set_defaults(func=cmd_label)

    p = sub.add_parser("retrain", help="train on the corpus plus corrections; promote only if no worse")
    p.add_argument("--json", action="store_true", help="print the decision as one JSON object")
    p.set_defaults(func=cmd_retrain)
