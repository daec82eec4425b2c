"""The prebuilt baseline shipped with the package."""

from __future__ import annotations

import json
from pathlib import Path

from classifiers.baseline import ARTIFACT, MANIFEST, load_shipped
from classifiers.registry import deserialise


def test_the_shipped_baseline_matches_the_corpus_and_its_checksum() -> None:
    shipped = load_shipped()
    assert shipped is not None
    assert deserialise(shipped.artifact, shipped.sha256)["format"]
    assert len(shipped.artifact) < 50_000_000
    assert shipped.metrics["alert_recall"] is not None


def test_a_tampered_or_stale_baseline_is_ignored(tmp_path: Path) -> None:
    artifact, manifest = tmp_path / "m.skops", tmp_path / "m.json"
    artifact.write_bytes(ARTIFACT.read_bytes()[:-8] + b"tampered")
    manifest.write_text(MANIFEST.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_shipped(artifact, manifest) is None
    artifact.write_bytes(ARTIFACT.read_bytes())
    manifest.write_text(json.dumps({**json.loads(MANIFEST.read_text(encoding="utf-8")), "fingerprint": "other corpus"}), encoding="utf-8")
    assert load_shipped(artifact, manifest) is None
    assert load_shipped(tmp_path / "missing.skops", manifest) is None
