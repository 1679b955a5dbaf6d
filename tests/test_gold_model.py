"""The gold model layer's methods and batching, and gold as one instrument (rules, then the model), on scripted
verifiers: what each method puts in front of the model, how many calls it makes, and the combined verdict."""

from __future__ import annotations

import math
import re

import pytest

from harness.gold.instrument import Gold, with_model
from harness.gold.model import METHODS, GoldModel, ModelCheck, Row, Statement
from harness.gold.verdict import check
from harness.models.scripted import ScriptedModel

SOFTMAX = r"p_i = \frac{e^{z_i / T}}{\sum_{j=1}^{K} e^{z_j / T}}"
OHM = r"V = I R"


class Counting(ScriptedModel):
    """A scripted verifier that records every conversation it was asked to rate or to continue."""

    def __init__(self, script: dict) -> None:
        super().__init__(script, "scripted:verifier")
        self.rate_calls: list[list[str]] = []
        self.generated: list[str] = []

    def rate(self, conversations, labels):
        self.rate_calls.append(["\n".join(m["content"] for m in c) for c in conversations])
        return super().rate(conversations, labels)

    def generate(self, messages, n=1, temperature=0.7, max_new_tokens=128, seed=0):
        self.generated.append("\n".join(m["content"] for m in messages))
        return super().generate(messages, n, temperature, max_new_tokens, seed)


FALSE_ON_CLASSES = {"ratings": [{"when": r"Statement about the equation:\nT is the number", "probs": {"False": 1}},
                                {"when": "Is every claim", "probs": {"True": 0.3, "False": 0.7}},
                                {"when": ".", "probs": {"True": 0.9, "False": 0.1}}],
                    "replies": [{"when": "State precisely", "texts": ["REFERENCE: p_i is a softmax."]},
                                {"when": "Before answering", "texts": ["CHECK: T is a temperature."]}]}


def test_one_rating_call_per_equation_for_all_its_descriptions():
    model = Counting(FALSE_ON_CLASSES)
    rows = [Row("It is the softmax. T is the number of classes.", SOFTMAX),
            Row("Voltage equals current times resistance.", OHM),
            Row("It normalises the exponentials of the logits.", SOFTMAX)]
    found = GoldModel(model, "statements").check_many(rows)
    assert len(model.rate_calls) == 2  # the two softmax rows together, then Ohm's law
    assert len(model.rate_calls[0]) == 3  # three statements of the softmax rows in one call
    assert found[0].score == pytest.approx(1.0) and found[1].score == pytest.approx(0.1)
    assert [s.text for s in found[0].statements] == ["It is the softmax.", "T is the number of classes."]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_scores_the_false_statement(method):
    model = Counting(FALSE_ON_CLASSES)
    result = GoldModel(model, method).check("It is the softmax. T is the number of classes.", SOFTMAX, "ctx", "t")
    assert result.method == method and result.model == "scripted:verifier"
    asked = model.rate_calls[0]
    if method == "whole":
        assert len(asked) == 1 and result.score == pytest.approx(0.7)
    else:
        assert len(asked) == 2 and result.score == pytest.approx(1.0)
    assert ("What the LaTeX shows:" in asked[0]) == (method == "facts")
    assert ("REFERENCE: p_i is a softmax." in asked[0]) == (method == "reference")
    assert ("CHECK: T is a temperature." in asked[0]) == (method == "reasoned")


def test_the_reference_is_written_once_per_equation_and_never_sees_the_text():
    model = Counting(FALSE_ON_CLASSES)
    gold = GoldModel(model, "reference")
    gold.check_many([Row("It is the softmax. T is the number of classes.", SOFTMAX, "ctx"),
                     Row("A second text about it here.", SOFTMAX, "ctx")])
    gold.check("Another text about the same equation.", SOFTMAX, "ctx")
    references = [g for g in model.generated if "State precisely" in g]
    assert len(references) == 1 and "number of classes" not in references[0]


def test_reasoned_checks_are_decoded_before_the_answer_is_read():
    model = Counting(FALSE_ON_CLASSES)
    GoldModel(model, "reasoned").check("It is the softmax. T is the number of classes.", SOFTMAX)
    assert sum("Before answering" in g for g in model.generated) == 2  # one written check per statement
    assert all(a.rstrip().endswith("Answer True or False.") for a in model.rate_calls[0])


def test_rules_with_a_model_keep_each_layers_provenance():
    text = "This is Ohm's law. Voltage is current divided by resistance."
    rules = check(text, OHM, {"V": "voltage", "I": "current", "R": "resistance"}, "Ohm's law")
    found = ModelCheck(0.2, [Statement("This is Ohm's law.", 0.05), Statement("Voltage is ...", 0.2)],
                       "statements", "qwen-1.5b")
    both = with_model(rules, found)
    assert both.instrument == "rules+model:qwen-1.5b:statements"
    assert both.claims == rules.claims and [s.p_false for s in both.statements] == [0.05, 0.2]
    if rules.verdict == "wrong":  # a proven contradiction stays wrong whatever the model says
        assert both.verdict == "wrong" and both.gold_score == 0.0
    else:
        assert both.verdict == "ok" and both.gold_score == pytest.approx(0.8)
    unsure = with_model(check("It is the softmax.", SOFTMAX), ModelCheck(0.45, [], "statements", "m"))
    assert unsure.verdict == "unverifiable" and unsure.model_score == pytest.approx(0.45)
    said_nothing = with_model(check("ok", SOFTMAX), ModelCheck(math.nan, [], "statements", "m"))
    assert said_nothing.model_score is None and said_nothing.verdict == check("ok", SOFTMAX).verdict
    # a rules doubt (a hint, no proof) leaves the decision to the model, both ways
    doubted = check("It takes the integral of z_k over T.", SOFTMAX)
    assert doubted.verdict == "unverifiable" and {c.status for c in doubted.claims} >= {"doubtful"}
    cleared = with_model(doubted, ModelCheck(0.1, [], "statements", "m"))
    assert cleared.verdict == "ok" and cleared.gold_score == pytest.approx(0.9)
    assert with_model(doubted, ModelCheck(0.7, [], "statements", "m")).verdict == "wrong"


def test_gold_without_a_model_is_the_rules():
    gold = Gold()
    texts = ["It is the softmax over K classes.", "Voltage equals current times resistance."]
    assert gold.name == "rules"
    assert gold.check_texts(texts, SOFTMAX) == [check(t, SOFTMAX) for t in texts]
    with_one = Gold(GoldModel(Counting(FALSE_ON_CLASSES), "statements"))
    assert with_one.name == "rules+model:scripted:verifier:statements"
    verdicts = with_one.check_texts(texts, SOFTMAX)
    assert all(v.instrument == with_one.name for v in verdicts)


def test_which_gold_model_a_run_checks_with(monkeypatch, tmp_path):
    from harness.core.declared import ConfigError
    from harness.run.config import RunConfig
    from harness.run.experiment import gold_spec

    assert gold_spec(RunConfig(gold_model="none")) is None
    assert gold_spec(RunConfig(gold_model="scripted:v.json", judge="smollm2")) == "scripted:v.json"
    with pytest.raises(ConfigError, match="is a judge's model"):
        gold_spec(RunConfig(gold_model="llamacpp:qwen-0.5b", judge="qwen-0.5b"))
    with pytest.raises(ConfigError, match="is a judge's model"):  # at depth 3 the describer judges its parts
        gold_spec(RunConfig(gold_model="qwen-1.5b", describer="qwen-1.5b", judge="qwen-0.5b", depth=3))
    assert gold_spec(RunConfig(gold_model="qwen-1.5b", describer="qwen-1.5b", judge="qwen-0.5b")) == "qwen-1.5b"
    monkeypatch.setenv("HARNESS_GOLD_MODEL", "scripted:from-env.json")
    assert gold_spec(RunConfig()) == "scripted:from-env.json"  # auto reads the environment first


def test_a_run_with_a_gold_model_records_both_layers(tmp_path, papers_file, script_file):
    import json

    from harness.run.config import RunConfig
    from harness.run.experiment import run_experiment
    from harness.run.transcript import Transcript

    verifier = tmp_path / "verifier.json"
    verifier.write_text(json.dumps({"ratings": [{"when": ".", "probs": {"True": 0.25, "False": 0.75}}]}))
    run_dir = run_experiment(RunConfig(data=str(papers_file), summarizer=f"scripted:{script_file}",
                                       gold_model=f"scripted:{verifier}", runs=str(tmp_path / "runs")))
    t = Transcript.open(run_dir)
    try:
        models = t.events(kind="models")[0].payload
        golds = [e.payload for e in t.events(kind="gold")]
        calls = [c for e in t.events(kind="calls") for c in e.payload["calls"]]
    finally:
        t.close()
    assert models["gold"]["spec"] == f"scripted:{verifier}"
    assert golds and all(g["instrument"] == f"rules+model:scripted:{verifier}:statements" for g in golds)
    asked = [g for g in golds if g["statements"]]
    assert asked and all(g["model_score"] == pytest.approx(0.75) and g["verdict"] == "wrong" for g in asked)
    assert any(c["model"] == f"scripted:{verifier}" and c["call"] == "rate" for c in calls)  # gold's calls count
    from harness.reports.findings import findings  # the run's findings look up this instrument's calibration
    assert findings(run_dir, calibration={})["instrument"] == f"rules+model:scripted:{verifier}:statements"


def test_measure_real_and_hand_written_rows_and_store_an_instruments_calibration(tmp_path, capsys):
    import json

    from harness.gold.calibration import load_calibration
    from harness.gold.measure import main as measure_main
    from tests.conftest import write_jsonl

    verifier = tmp_path / "verifier.json"
    verifier.write_text(json.dumps({"ratings": [{"when": "number of classes", "probs": {"False": 1}},
                                                {"when": ".", "probs": {"True": 1}}]}))
    hand = [{"id": "h1", "latex": SOFTMAX, "text": "T is the number of classes here.", "label": "wrong"},
            {"id": "h2", "latex": SOFTMAX, "text": "It turns the logits into probabilities.", "label": "correct"}]
    rows = write_jsonl(tmp_path / "rows.jsonl", hand)
    cal, cache = tmp_path / "calibration.json", tmp_path / "cache.jsonl"
    args = [str(rows), "--split", "all", "--gold-model", f"scripted:{verifier}", "--cache", str(cache),
            "--write-calibration", "--instrument", "rules+model", "--calibration-file", str(cal)]
    instrument = f"rules+model:scripted:{verifier}:statements"
    old = {"describers": {"qwen-0.5b": {"split": "x", "agreement": {}}}, "checker": "2026-01-01"}
    cal.write_text(json.dumps({"instruments": {instrument: old}}))  # figures of other rules, to be dropped
    assert measure_main(args) == 0
    out = capsys.readouterr().out
    assert re.search(r"hand-written +2 rows, +1 wrong", out) and len(cache.read_text().splitlines()) == 2
    assert f"dropped figures of {instrument} measured with other rules (2026-01-01): qwen-0.5b" in out
    stored = load_calibration(instrument, cal)
    assert stored["describers"]["hand-written"]["agreement"]["auroc"] == 1.0 and "qwen-0.5b" not in stored["describers"]
    assert load_calibration("rules", cal) == {}  # only the instrument asked for was written
