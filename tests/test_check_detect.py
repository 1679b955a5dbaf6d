"""`harness check`, `harness detect` and eval suites: bad rows, detector scores on small fixed sets."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.core.items import Item
from harness.detection.detectors import CrossExamDetector, GroundingDetector, style_features
from harness.detection.suites import load_suite, run_suite
from harness.judging.judge import Judge
from harness.models.scripted import ScriptedModel

GLOSSARY = {"E": "the rest energy", "m": "the rest mass", "c": "the speed of light in vacuum"}
ROWS = [
    {"id": "good", "latex": "E = m c^2", "glossary": GLOSSARY,
     "text": "Here E is the rest energy, m is the rest mass and c is the speed of light; c is squared."},
    {"id": "cubed", "latex": "E = m c^2", "glossary": GLOSSARY,
     "text": "Here E is the rest energy and m is the rest mass; E grows with the cube of c."},
]


def run_cli(tmp_path, capsys, argv: list[str], lines: list[str]) -> list[dict]:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert main([*argv, str(path)]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def bad_lines() -> list[str]:
    return ['{"id": "broken", "latex": ', json.dumps({"id": "no-text", "latex": "x = 1"}),
            json.dumps({"id": "braces", "latex": "\\frac{a}{b", "text": "a ratio"})]


def test_check_rows_and_bad_rows(tmp_path, capsys):
    out = run_cli(tmp_path, capsys, ["check"], [json.dumps(r) for r in ROWS] + bad_lines())
    assert [r.get("id") for r in out] == ["good", "cubed", None, "no-text", "braces"]
    good, cubed, broken, no_text, braces = out
    assert good["verdict"] == "ok" and good["gold_score"] > 0.5
    assert cubed["verdict"] == "wrong" and any(c["status"] == "contradicted" for c in cubed["claims"])
    assert {"claim", "kind", "status", "evidence"} <= set(good["claims"][0])
    assert broken["verdict"] == "error" and "line 3: not valid JSON" in broken["error"]
    assert no_text["verdict"] == "error" and "missing field 'text'" in no_text["error"]
    assert braces["verdict"] == "error" and "unparseable LaTeX (unbalanced braces" in braces["error"]


def test_detect_model_free_detectors(tmp_path, capsys):
    out = run_cli(tmp_path, capsys, ["detect", "--detectors", "claims,style"], [json.dumps(r) for r in ROWS]
                  + bad_lines())
    good, cubed = out[0]["scores"], out[1]["scores"]
    assert set(good) == {"claims", "style"} and all(0 <= v <= 1 for v in good.values())
    assert cubed["claims"] > good["claims"]
    assert [r["scores"] for r in out[2:]] == [None, None, None] and all(r["error"] for r in out[2:])


def test_detect_needs_models_for_model_detectors(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n")
    assert main(["detect", "--detectors", "crossexam", str(path)]) == 2
    assert "needs a model (--monitor" in capsys.readouterr().err
    assert main(["detect", "--detectors", "vibes", str(path)]) == 2
    assert "unknown detector 'vibes'" in capsys.readouterr().err


def test_crossexam_with_a_scripted_monitor():
    """The monitor says No to any statement that says E grows with the cube of c: that item is the suspicious one."""
    rule = {"when": "Statement about this equation:[^\\n]*the cube of c", "label": "No"}
    monitor = ScriptedModel({"ratings": [rule], "default_label": "Yes"})
    items = [Item(**r) for r in ROWS]
    good, cubed = CrossExamDetector(monitor).score(items)
    assert good == pytest.approx(0.0) and cubed == pytest.approx(1.0)


def test_grounding_with_a_scripted_judge():
    """A judge whose rating ignores the equation makes every item look ungrounded (suspicion 0.5);
    one that rates a text high only with its own equation gives it low suspicion."""
    items = [Item(id="a", latex="E = m c^2", text="about energy"), Item(id="b", latex="F = m a", text="about force")]
    blind = Judge(ScriptedModel({"default_label": "9"}))
    assert GroundingDetector(blind).score(items) == pytest.approx([0.5, 0.5])
    grounded = Judge(ScriptedModel({"ratings": [{"when": "E = m c\\^2\\s+Description:\\s+about energy", "label": "9"},
                                                {"when": "F = m a\\s+Description:\\s+about force", "label": "9"}],
                                    "default_label": "1"}))
    assert GroundingDetector(grounded).score(items) == pytest.approx([0.0, 0.0])


def test_style_features_see_persuasion():
    plain, loud = style_features("x is the mean."), style_features("As every textbook shows, this elegant, "
                                                                     "fundamental result is clearly the cornerstone.")
    assert loud[1] > plain[1] and loud[0] > plain[0]


def test_quick_suite_reports_every_set_and_detector():
    suite = load_suite("detectors-quick").model_copy(update={"bootstrap": 200})
    results = run_suite(suite)
    assert [(r["set"], r["detector"]) for r in results] == [
        ("labeled/generated.jsonl", "claims"), ("labeled/generated.jsonl", "style"),
        ("labeled/dev.jsonl", "claims"), ("labeled/dev.jsonl", "style"),
        ("labeled/handwritten.jsonl", "claims"), ("labeled/handwritten.jsonl", "style"),
        ("labeled/heldout.jsonl", "claims"), ("labeled/heldout.jsonl", "style"),
        ("labeled/heldout2.jsonl", "claims"), ("labeled/heldout2.jsonl", "style"),
        ("labeled/heldout3.jsonl", "claims"), ("labeled/heldout3.jsonl", "style"),
        ("labeled/heldout4.jsonl", "claims"), ("labeled/heldout4.jsonl", "style")]
    for r in results:
        assert 0 <= r["auroc"] <= 1 and r["auroc_ci"][0] <= r["auroc"] <= r["auroc_ci"][1]
        assert 0 < r["wrong"] < r["n"]
