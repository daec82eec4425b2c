"""Model versions in the database: saved with skops (no pickle), one active.

On a brand-new database the baseline shipped with the package (or, failing
that, one trained from the shipped corpus) is activated on first use, so
classification works with no extra step.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from datetime import datetime
from typing import Any

import skops.io as sio
from skops.io.exceptions import UntrustedTypesFoundException
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from classifiers.model import BUNDLE_FORMAT, ReportClassifier
from models.clock import utcnow
from models.schema import ModelVersion

log = logging.getLogger(__name__)

# Every type a Tocsin model artifact may contain beyond skops' defaults; loading
# anything else fails rather than instantiating an unknown object.
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.float",
    "builtins.int",
    "numpy.dtype",
    "numpy.ndarray",
    # The gate's trees (scikit-learn estimators themselves are trusted by skops' defaults).
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)


class ModelLoadError(RuntimeError):
    """A stored model could not be loaded safely (tampered, corrupt, or of unknown types)."""


def serialise(bundle: dict[str, Any]) -> bytes:
    """Skops bytes, deflate-compressed (the coefficient arrays shrink well)."""
    return sio.dumps(bundle, compression=zipfile.ZIP_DEFLATED, compresslevel=6)


def deserialise(artifact: bytes, expected_sha256: str | None = None) -> dict[str, Any]:
    """Load an artifact, refusing any type outside ``TRUSTED_TYPES`` and any checksum mismatch."""
    if expected_sha256 is not None and hashlib.sha256(artifact).hexdigest() != expected_sha256:
        raise ModelLoadError("model artifact does not match its recorded checksum (tampered or corrupt)")
    # skops checks every type against the list before it builds any object, in the same pass as loading.
    try:
        bundle = sio.loads(artifact, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException as exc:
        raise ModelLoadError(f"model artifact contains untrusted types: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - skops raises many types on corrupt zips; the artifact is unusable
        raise ModelLoadError(f"model artifact failed to load: {exc}") from None
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise ModelLoadError("model artifact is not a Tocsin model bundle of this version")
    return bundle


def save_version(
    session: Session, bundle: dict[str, Any], *, metrics: dict[str, Any], fingerprint: str, algorithm: str, now: datetime | None = None
) -> ModelVersion:
    """Store a trained bundle as a candidate version."""
    return save_artifact(session, serialise(bundle), metrics=metrics, fingerprint=fingerprint, algorithm=algorithm, now=now)


def save_artifact(session: Session, artifact: bytes, *, metrics: dict[str, Any], fingerprint: str, algorithm: str, now: datetime | None = None) -> ModelVersion:
    """Store serialised model bytes as a candidate version."""
    created = now or utcnow()
    version = f"m{created:%Y%m%d%H%M%S}-{hashlib.sha256(artifact).hexdigest()[:8]}"
    # The same bytes saved twice in one second (a baseline re-activated at once) still get distinct names.
    taken = set(session.scalars(select(ModelVersion.version).where(ModelVersion.version.startswith(version))))
    if version in taken:
        version = next(f"{version}-{n}" for n in range(2, len(taken) + 3) if f"{version}-{n}" not in taken)
    row = ModelVersion(
        version=version,
        status="candidate",
        algorithm=algorithm,
        data_fingerprint=fingerprint,
        metrics=metrics,
        artifact=artifact,
        artifact_sha256=hashlib.sha256(artifact).hexdigest(),
        created_at=created,
    )
    session.add(row)
    session.flush()
    return row


def activate(session: Session, version: ModelVersion, decision: str, now: datetime | None = None) -> None:
    """Make ``version`` the one active model; the previous one is retired."""
    session.execute(update(ModelVersion).where(ModelVersion.status == "active").values(status="retired"))
    version.status = "active"
    version.decision = decision
    version.activated_at = now or utcnow()
    session.flush()


def active_version(session: Session) -> ModelVersion | None:
    """The one model currently used for classification, if any."""
    return session.scalar(select(ModelVersion).where(ModelVersion.status == "active").order_by(ModelVersion.activated_at.desc()).limit(1))


_cache: dict[str, ReportClassifier] = {}


def load_active(session: Session, bootstrap: bool = True) -> ReportClassifier:
    """The active classifier; activates the shipped baseline on a brand-new database."""
    row = active_version(session)
    if row is None:
        if not bootstrap:
            raise ModelLoadError("no active model")
        from classifiers.training import bootstrap_baseline

        row = bootstrap_baseline(session)
    # Keyed by version too: the same bytes saved again as a new version must report the new name.
    key = f"{row.version}:{row.artifact_sha256}"
    cached = _cache.get(key)
    if cached is None:
        try:
            bundle = deserialise(row.artifact, row.artifact_sha256)
        except ModelLoadError as exc:
            if not bootstrap:
                raise
            # A tampered artifact, or one an upgrade can no longer read: classification must go on,
            # so it is set aside (never loaded) and the shipped baseline takes over, loudly.
            log.error("active model %s cannot be loaded (%s); it is set aside and the shipped baseline is activated", row.version, exc)
            row.status = "unloadable"
            row.decision = f"{row.decision or ''} | set aside: {exc}".strip(" |")
            session.flush()
            return load_active(session, bootstrap=True)
        cached = ReportClassifier(bundle, version=row.version)
        _cache.clear()
        _cache[key] = cached
    return cached
