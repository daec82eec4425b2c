"""Model versions in the database: bootstrap, restarts, tampering."""

from __future__ import annotations

import hashlib
import io
import zipfile
from fractions import Fraction
from typing import Any

import pytest
import skops.io as sio
from sqlalchemy.orm import Session

from classifiers import registry
from classifiers.baseline import load_shipped
from classifiers.model import ReportClassifier
from classifiers.registry import ModelLoadError, activate, active_version, deserialise, load_active, save_version, serialise
from models.db import get_engine, make_engine
from models.schema import ModelVersion


def test_a_brand_new_database_activates_the_shipped_baseline(session: Session) -> None:
    model = load_active(session)
    row = active_version(session)
    shipped = load_shipped()
    assert row is not None and shipped is not None
    assert row.artifact_sha256 == shipped.sha256 and model.version == row.version
    assert model.predict(["armed men killed 4 people at the market"])[0].severity == 3


def test_a_promoted_model_survives_a_restart(db_url: str, small_bundle: dict[str, Any]) -> None:
    with Session(get_engine(db_url)) as s:
        load_active(s)
        row = save_version(s, small_bundle, metrics={"alert_recall": 1.0}, fingerprint="f", algorithm="test")
        activate(s, row, "promoted in a test")
        s.commit()
        promoted = row.version
    registry._cache.clear()
    with Session(make_engine(db_url)) as s:  # a new engine on the same file, as after a restart
        assert load_active(s, bootstrap=False).version == promoted


def test_only_one_version_is_active(session: Session, small_bundle: dict[str, Any]) -> None:
    load_active(session)
    activate(session, save_version(session, small_bundle, metrics={}, fingerprint="f", algorithm="test"), "test")
    assert session.query(ModelVersion).filter_by(status="active").count() == 1


def _rezip(artifact: bytes, replace: dict[str, bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(artifact))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, replace.get(item.filename, src.read(item.filename)))
    return out.getvalue()


def test_a_tampered_artifact_fails_its_checksum(small_bundle: dict[str, Any]) -> None:
    artifact = serialise(small_bundle)
    tampered = artifact[:-40] + bytes(40)
    with pytest.raises(ModelLoadError, match="checksum"):
        deserialise(tampered, hashlib.sha256(artifact).hexdigest())


def test_an_artifact_with_an_untrusted_type_is_refused_even_with_a_matching_checksum(small_bundle: dict[str, Any]) -> None:
    hostile = sio.dumps({**small_bundle, "extra": Fraction(1, 3)})
    with pytest.raises(ModelLoadError, match="untrusted"):
        deserialise(hostile, hashlib.sha256(hostile).hexdigest())


def test_the_shipped_model_and_its_gate_round_trip_with_only_trusted_types() -> None:
    shipped = load_shipped()
    assert shipped is not None
    assert set(sio.get_untrusted_types(data=shipped.artifact)) <= set(registry.TRUSTED_TYPES)
    bundle = deserialise(shipped.artifact, shipped.sha256)
    assert bundle["gate"] is not None
    texts = ["armed men killed 4 people at the market", "we need water at the camp", "police beat the driver at the checkpoint"]
    before = [p.alert_probability for p in ReportClassifier(bundle).predict(texts)]
    after = [p.alert_probability for p in ReportClassifier(deserialise(serialise(bundle))).predict(texts)]
    assert before == after and before[0] > before[1]


def test_a_corrupt_artifact_fails_safely(small_bundle: dict[str, Any]) -> None:
    broken = _rezip(serialise(small_bundle), {"schema.json": b"{not json"})
    with pytest.raises(ModelLoadError):
        deserialise(broken, hashlib.sha256(broken).hexdigest())
    with pytest.raises(ModelLoadError):
        deserialise(b"not a zip at all", None)


def test_a_tampered_active_model_is_never_loaded_and_the_shipped_baseline_takes_over(session: Session) -> None:
    load_active(session)
    row = active_version(session)
    assert row is not None
    tampered_id = row.id
    row.artifact = row.artifact[:-10] + b"0123456789"
    session.commit()
    registry._cache.clear()
    with pytest.raises(ModelLoadError):
        load_active(session, bootstrap=False)
    model = load_active(session)
    session.commit()
    replacement = active_version(session)
    assert replacement is not None and replacement.id != tampered_id and model.version == replacement.version
    set_aside = session.get(type(replacement), tampered_id)
    assert set_aside.status == "unloadable" and "checksum" in set_aside.decision
    assert model.predict(["armed men burned houses in the village last night, 3 killed"])[0].severity == 3


def test_without_a_usable_shipped_baseline_the_first_use_trains_one(session: Session, small_bundle: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from classifiers import baseline, training

    monkeypatch.setattr(baseline, "load_shipped", lambda: None)
    monkeypatch.setattr(training, "build_from_corpus", lambda: (small_bundle, {"alert_recall": 0.5}, "fp"))
    load_active(session)
    row = active_version(session)
    assert row is not None and row.data_fingerprint == "fp" and "trained" in (row.decision or "")
