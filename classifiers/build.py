"""Build the shipped baseline model: ``python -m classifiers.build``.

Trains on the corpus's training split (thresholds by group-wise
cross-validation), evaluates once on the frozen test split and the held-out
everyday set, and writes ``classifiers/data/model/baseline.skops`` with its
manifest. Run it whenever the corpus, the lexicons or the model code change.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging

from classifiers.baseline import ARTIFACT, write_shipped
from classifiers.fit import FitSettings
from classifiers.registry import serialise
from classifiers.training import ALGORITHM, build_from_corpus


def main() -> None:
    """Build, evaluate and write the baseline; print its headline figures."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = FitSettings()
    bundle, metrics, fp = build_from_corpus(settings=settings)
    artifact = serialise(bundle)
    write_shipped(artifact, fingerprint_=fp, metrics=metrics, algorithm=ALGORITHM, settings=dataclasses.asdict(settings))
    headline = {k: metrics.get(k) for k in ("n", "alert_recall", "alert_precision", "macro_f1", "everyday_alert_rate", "heldout_everyday_alert_rate")}
    print(f"wrote {ARTIFACT.name} ({len(artifact) / 1e6:.1f} MB): {json.dumps(headline)}")


if __name__ == "__main__":
    main()
