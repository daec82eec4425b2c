"""The prebuilt baseline model shipped inside the package, so a new database needs no training.

``baseline.json`` beside the artifact records its sha256, the fingerprint of
the corpus rows it was trained on, its metrics on the frozen split and how it
was built. The artifact is used only when its checksum matches and the
fingerprint matches the corpus now shipped; otherwise it is stale or
tampered, and the caller trains instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifiers.corpus import fingerprint, load_corpus, split

log = logging.getLogger(__name__)
MODEL_DIR = Path(__file__).parent / "data" / "model"
ARTIFACT = MODEL_DIR / "baseline.skops"
MANIFEST = MODEL_DIR / "baseline.json"


@dataclass(frozen=True)
class ShippedModel:
    """A verified shipped artifact and what its manifest says about it."""

    artifact: bytes
    sha256: str
    fingerprint: str
    metrics: dict[str, Any]
    algorithm: str


def corpus_fingerprint() -> str:
    """The fingerprint of the shipped corpus's training split."""
    return fingerprint(split(load_corpus())[0])


def load_shipped(artifact_path: Path = ARTIFACT, manifest_path: Path = MANIFEST) -> ShippedModel | None:
    """The shipped baseline if present, intact and built from the current corpus; None otherwise."""
    if not artifact_path.is_file() or not manifest_path.is_file():
        log.warning("no shipped baseline model at %s", artifact_path.name)
        return None
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    artifact = artifact_path.read_bytes()
    if hashlib.sha256(artifact).hexdigest() != manifest.get("sha256"):
        log.warning("shipped baseline model does not match its recorded checksum; ignoring it")
        return None
    if manifest.get("fingerprint") != corpus_fingerprint():
        log.warning("shipped baseline model was built from another corpus; ignoring it")
        return None
    return ShippedModel(artifact, manifest["sha256"], manifest["fingerprint"], manifest.get("metrics", {}), manifest.get("algorithm", ""))


def write_shipped(artifact: bytes, *, fingerprint_: str, metrics: dict[str, Any], algorithm: str, settings: dict[str, Any]) -> None:
    """Write the artifact and its manifest (used by ``python -m classifiers.build``)."""
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_bytes(artifact)
    manifest = {
        "sha256": hashlib.sha256(artifact).hexdigest(),
        "fingerprint": fingerprint_,
        "algorithm": algorithm,
        "settings": settings,
        "size_bytes": len(artifact),
        "metrics": metrics,
    }
    MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
