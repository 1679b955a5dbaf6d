"""The real Qwen2.5-Coder-0.5B-Instruct (`qwen-0.5b`), as `.ci/run` installs it: load, rate, describe, one run.

Nothing is installed at test time. Without the part packages these tests skip, unless HARNESS_REQUIRE_QWEN=1
(CI), where their absence is a failure. The first use assembles and converts the model into the cache (about a
minute or two on 2 cores); later tests load the cached conversion.
"""

from __future__ import annotations

import os

import pytest

from harness.cli import main
from harness.core.papers import Equation
from harness.judging.judge import LABELS, Judge
from harness.models import ModelError, load_model
from harness.models.catalog import catalog, part_paths
from harness.run.transcript import Transcript, list_runs
from tests.conftest import write_jsonl


def _require_qwen() -> None:
    try:
        part_paths(catalog()["qwen-0.5b"])
    except ModelError as exc:
        if os.environ.get("HARNESS_REQUIRE_QWEN") == "1":
            pytest.fail(f"HARNESS_REQUIRE_QWEN=1 but {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def qwen():
    _require_qwen()
    return load_model("qwen-0.5b")


SOFTMAX = Equation(id="softmax", latex=r"p_k = \frac{\exp(z_k / T)}{\sum_{j=1}^{K} \exp(z_j / T)}",
                   glossary={"p_k": "probability of class k", "z_k": "logit of class k", "T": "temperature"})
CORRECT = ("This is the softmax with temperature T: the probability p_k of class k is the exponential of its logit "
           "z_k divided by T, normalised by the sum of the same exponentials over all K classes.")
GARBLED = "Banana the over seventeen quickly; purple gravity sings the of and the, 42 moon moon."


@pytest.mark.slow
def test_qwen_loads_with_its_own_template_and_single_token_digits(qwen):
    assert qwen.details["model"] == "Qwen2.5-Coder-0.5B-Instruct"
    assert qwen.details["gguf_sha256"] == catalog()["qwen-0.5b"].sha256
    text = qwen.tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True,
                                              tokenize=False)
    assert text.endswith("<|im_start|>assistant\n")  # Qwen's template, read from the GGUF
    assert len(set(qwen.label_ids(LABELS))) == 9  # the digits 1-9 are single, distinct tokens


@pytest.mark.slow
def test_qwen_rates_a_correct_description_above_a_garbled_one_and_describes(qwen):
    correct, garbled = Judge(qwen).rate(SOFTMAX, [CORRECT, GARBLED])
    assert sum(correct.distribution.values()) == pytest.approx(1.0, abs=1e-4)
    # qwen-0.5b is a weak judge: its rating distribution is nearly flat (measured 0.610 vs 0.581 in float32 and
    # 0.607 vs 0.569 in bfloat16; llama.cpp on the same file gives 0.608 vs 0.582), but it does rank word salad lower.
    assert correct.proxy > garbled.proxy
    (text,) = qwen.generate([{"role": "user", "content": f"In one sentence, what does ${SOFTMAX.latex}$ compute?"}],
                            n=1, temperature=0, max_new_tokens=40)
    assert len(text.split()) >= 5


@pytest.mark.slow
def test_a_real_run_with_qwen_as_describer(tmp_path, capsys):
    _require_qwen()
    paper = {"id": "demo", "title": "Calibrated classifiers", "abstract": "We calibrate a classifier.",
             "category": "cs.LG", "body": "We study temperature scaling of a classifier's logits. " * 5,
             "equations": [{"id": "demo/eq1", "latex": SOFTMAX.latex, "glossary": SOFTMAX.glossary}]}
    data = write_jsonl(tmp_path / "one.jsonl", [paper])
    assert main(["run", "--data", str(data), "--describer", "qwen-0.5b", "--best-of", "2", "--runs",
                 str(tmp_path / "runs")]) == 0
    (info,) = list_runs(tmp_path / "runs")
    t = Transcript.open(info.path)
    (models,) = t.events(kind="models")
    assert models.payload["describer"]["spec"] == "qwen-0.5b"
    assert models.payload["describer"]["gguf_sha256"] == catalog()["qwen-0.5b"].sha256
    assert models.payload["summarizer"]["model"] == "SmolLM2-135M-Instruct"
    texts = [e.payload["text"] for e in t.events(kind="candidate")]
    assert len(texts) == 2 and all(len(x.split()) >= 5 for x in texts)
    assert t.info().status == "finished"
    t.close()
