"""The ``tocsin`` command's contract: formats, errors, and a brand-new database every time."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_NETWORK, TEST_PII_KEY
from tocsin.cli import main


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TOCSIN_DATABASE_URL", db_url)
    monkeypatch.setenv("TOCSIN_PII_KEY", TEST_PII_KEY)
    monkeypatch.setenv("TOCSIN_HOME", str(tmp_path))
    return db_url


def test_network_load_reports_what_it_loaded_and_is_repeatable(env, capsys) -> None:
    main(["network", "load", str(DEMO_NETWORK)])
    main(["network", "load", str(DEMO_NETWORK)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["loaded 14 regions, 19 members, 23 channel addresses"] * 2


def test_classify_reads_json_lines_and_writes_the_contract_fields(env, capsys, monkeypatch) -> None:
    rows = [
        {"id": "a", "text": "armed men burned 3 houses in Nepalgunj last night, families running to the school"},
        {"id": 7, "text": "the peace committee meets on sunday at the police post, all welcome"},
        {"id": "c"},
    ]
    stdin = "\n".join(json.dumps(r) for r in rows) + "\nnot json\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    main(["classify"])
    captured = capsys.readouterr()
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert [o["id"] for o in out] == ["a", 7, "c"]
    assert all(set(o) == {"id", "category", "severity", "confidence", "lang", "location"} for o in out)
    assert out[0]["severity"] >= 2 and out[0]["location"] == "np-banke" and out[0]["lang"] == "en"
    assert out[1]["severity"] == 0
    assert out[2] == {**out[2], "category": "other", "severity": 0}
    assert "line 4" in captured.err


def test_evaluate_json_has_the_contract_metrics(env, tmp_path, capsys) -> None:
    data = tmp_path / "eval.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [
                {"id": "1", "text": "gunmen killed 4 people at the market in anka today", "lang": "en", "category": "attack_on_civilians", "severity": 3},
                {"id": "2", "text": "my phone was stolen at the market", "lang": "en", "category": "crime", "severity": 1},
                {"id": "3", "text": "all calm in the ward today, no incident", "lang": "en", "category": "other", "severity": 0},
            ]
        )
    )
    main(["evaluate", str(data), "--json"])
    metrics = json.loads(capsys.readouterr().out)
    for key in ("n", "alert_recall", "alert_precision", "macro_f1", "severity_accuracy", "per_lang"):
        assert key in metrics
    assert metrics["n"] == 3 and set(metrics["per_lang"]) == {"en"}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["network", "load", "/nonexistent/network.yaml"], "no such file"),
        (["evaluate", "/nonexistent/eval.jsonl"], "no such file"),
    ],
)
def test_bad_arguments_give_one_line_errors(env, argv, needle, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 1 and needle in err and len(err.splitlines()) == 1


def test_unreachable_database_gives_one_actionable_line(tmp_path: Path) -> None:
    env = {"TOCSIN_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "TOCSIN_PII_KEY": TEST_PII_KEY, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "tocsin.cli", "network", "load", str(DEMO_NETWORK)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("tocsin: error: cannot open the database") and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_bad_network_file_names_the_problem(env, tmp_path, capsys) -> None:
    bad = tmp_path / "net.yaml"
    bad.write_text("regions:\n  - id: a\nmembers:\n  - id: m1\n    role: general\n")
    with pytest.raises(SystemExit):
        main(["network", "load", str(bad)])
    assert "unknown role 'general'" in capsys.readouterr().err


def test_release_sends_held_reports_on_and_names_unknown_refs(env, capsys) -> None:
    from models.db import get_engine
    from models.schema import Report
    from sqlalchemy.orm import Session

    with Session(get_engine(env)) as session:
        session.add_all([Report(ref=f"HELD{i}", channel="sms", provider_id=f"SM{i}", sender_hash="x" * 64, text="flood", status="held") for i in range(3)])
        session.commit()
    main(["release", "HELD0"])
    with pytest.raises(SystemExit):
        main(["release", "NOPE2"])
    main(["release", "--all"])
    captured = capsys.readouterr()
    assert "released 1 held report(s)" in captured.out and "released 2 held report(s)" in captured.out
    assert "no held report with reference NOPE2" in captured.err
    with Session(get_engine(env)) as session:
        assert {r.status for r in session.query(Report)} == {"new"}
