"""Backends: the protocol on a tiny random Llama (batched generation, seeded sampling, one-pass rating)."""

from __future__ import annotations

import json
import os

import pytest

from harness.judging.judge import LABELS, proxy_score
from harness.models import ModelAPI, ModelError, generate_batch, load_model
from harness.models.hf import CALL_COST, plan_batches

CONVS = [
    [{"role": "user", "content": "the equation E = m c ^ 2"}],
    [{"role": "user", "content": "rate it"}],
    [{"role": "system", "content": "a"}, {"role": "user", "content": "the energy is the mass . rate it 1 2 3"}],
]


def test_hf_generate_is_batched_and_seeded(tiny_llama):
    model = load_model(f"hf:{tiny_llama}")
    assert isinstance(model, ModelAPI) and model.context_window == 256
    a = model.generate(CONVS[0], n=4, temperature=1.0, max_new_tokens=8, seed=3)
    assert len(a) == 4 and len(set(a)) > 1  # four different samples from one call
    assert model.generate(CONVS[0], n=4, temperature=1.0, max_new_tokens=8, seed=3) == a
    assert model.generate(CONVS[0], n=4, temperature=1.0, max_new_tokens=8, seed=4) != a


def test_hf_generate_batch_decodes_several_conversations_as_one_by_one(tiny_llama, monkeypatch):
    """Conversations of different lengths decoded together (left padding, small batches): the same greedy replies
    as one conversation at a time, in the callers' order; sampled replies come n per conversation."""
    monkeypatch.setenv("HARNESS_DTYPE", "float32")  # bfloat16 rounding could flip a near-tie of the random model
    model = load_model(f"hf:{tiny_llama}")
    one_by_one = [model.generate(c, n=1, temperature=0, max_new_tokens=6) for c in CONVS]
    assert model.generate_batch(CONVS, n=1, temperature=0, max_new_tokens=6, max_rows=2) == one_by_one
    assert len({r[0] for r in one_by_one}) > 1  # the three conversations do get different replies
    sampled = model.generate_batch(CONVS, n=3, temperature=1.0, max_new_tokens=6, seed=5)
    assert [len(r) for r in sampled] == [3, 3, 3]
    assert model.generate_batch(CONVS, n=3, temperature=1.0, max_new_tokens=6, seed=5) == sampled


def test_hf_samples_of_one_prompt_run_its_prefill_once_with_the_same_texts(tiny_llama, monkeypatch):
    """n samples of one prompt share its key/value cache (computed once, repeated): the same texts, for a seed, as
    n separate prefills; greedy n > 1 gives n copies of the greedy reply."""
    monkeypatch.setenv("HARNESS_DTYPE", "float32")
    model = load_model(f"hf:{tiny_llama}")
    calls = []
    forward = model.model.forward
    monkeypatch.setattr(model.model, "forward", lambda *a, **k: calls.append(k["input_ids"].shape) or forward(*a, **k))
    shared = model.generate(CONVS[2], n=4, temperature=1.0, max_new_tokens=6, seed=7)
    assert calls[0][0] == 1 and all(shape == (4, 1) for shape in calls[1:])  # the prompt once, then 4 rows a step
    model.share_prompt, calls[:] = False, []
    assert model.generate(CONVS[2], n=4, temperature=1.0, max_new_tokens=6, seed=7) == shared
    assert calls[0][0] == 4  # the prompt's prefill four times
    model.share_prompt = True
    greedy = model.generate(CONVS[2], n=1, temperature=0, max_new_tokens=6)
    assert model.generate(CONVS[2], n=3, temperature=0, max_new_tokens=6) == greedy * 3


def test_generate_batch_falls_back_to_one_call_per_conversation(tmp_path):
    script = tmp_path / "s.json"
    script.write_text(json.dumps({"replies": [{"when": "rate", "texts": ["r1", "r2"]}], "default_reply": "d"}))
    model = load_model(f"scripted:{script}")
    assert not hasattr(model, "generate_batch")
    assert generate_batch(model, CONVS, n=2) == [["d", "d"], ["r1", "r2"], ["r1", "r2"]]


def test_hf_rate_batched_equals_one_by_one(tiny_llama, monkeypatch):
    """Left padding with corrected positions: a conversation's rating does not depend on its batch mates."""
    monkeypatch.setenv("HARNESS_DTYPE", "float32")  # exact to 1e-5; bfloat16 rounding alone is ~1e-4
    model = load_model(f"hf:{tiny_llama}")
    batched = model.rate(CONVS, LABELS)
    assert len(batched) == 3
    for conv, row in zip(CONVS, batched, strict=True):
        assert sum(row) == pytest.approx(1.0)
        assert model.rate([conv], LABELS)[0] == pytest.approx(row, abs=1e-5)
    assert batched[0] != pytest.approx(batched[1], abs=1e-6)


def _plan_cost(tokens: list[list[int]], plan: list[tuple[list[int], int]]) -> int:
    return sum(CALL_COST * (2 if shared else 1) + shared + len(rows) * max(len(tokens[i]) - shared for i in rows)
               for rows, shared in plan)


def _partitions(items: list[int]):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        yield [[first], *part]
        for k in range(len(part)):
            yield [*part[:k], [first, *part[k]], *part[k + 1:]]


def test_rating_plan_shares_prefixes_at_least_cost():
    """The plan covers every row once; a batch's shared prefix is common to its rows and leaves each its last
    token; and here its cost is the least over every way to batch the rows, each batch sharing its longest
    common prefix or nothing (brute force over all 203 partitions)."""
    head = list(range(100, 200))
    tokens = [head + [1], head + [2, 3, 4], head + [1], [7] * 30, [7] * 28 + [8] * 5, [9] * 10]
    plan = plan_batches(tokens, batch_size=16)
    assert sorted(i for rows, _ in plan for i in rows) == list(range(len(tokens)))
    for rows, shared in plan:
        assert all(tokens[i][:shared] == tokens[rows[0]][:shared] and shared < len(tokens[i]) for i in rows)
    assert any(shared >= 100 for _, shared in plan)  # the three rows under one 100-token prompt share it

    def best(rows: list[int]) -> int:
        common = min(len(os.path.commonprefix([tokens[i] for i in rows])), *(len(tokens[i]) - 1 for i in rows))
        return min(_plan_cost(tokens, [(rows, 0)]), _plan_cost(tokens, [(rows, common)]))

    assert _plan_cost(tokens, plan) == min(sum(best(b) for b in part) for part in _partitions(list(range(6))))
    assert all(len(rows) <= 2 for rows, _ in plan_batches(tokens, batch_size=2))


def test_hf_rating_with_shared_prefixes_equals_a_plain_forward_pass(tiny_llama, monkeypatch):
    """One equation's candidates under one prompt (and a repeat) share their prefix's key/value cache: each rating
    is still the softmax of a plain forward pass over the whole conversation."""
    monkeypatch.setenv("HARNESS_DTYPE", "float32")
    model = load_model(f"hf:{tiny_llama}")
    head = "the equation E = m c ^ 2 describes the energy . rate it"
    convs = [[{"role": "user", "content": f"{head} {tail}"}] for tail in ("1", "2 3 4", "mass", "1")] + CONVS
    label_ids = model.label_ids(LABELS)
    for conv, row in zip(convs, model.rate(convs, LABELS), strict=True):
        ids = model.tokenizer(model._texts([conv]), return_tensors="pt", add_special_tokens=False)["input_ids"]
        logits = model.model(input_ids=ids).logits[0, -1, label_ids]
        assert row == pytest.approx(logits.softmax(-1).tolist(), abs=1e-5)


def test_hf_device_override(tiny_llama, monkeypatch):
    """HARNESS_DEVICE=cpu keeps a model on the CPU even where a GPU is visible; a bad value is one clear error."""
    import torch

    monkeypatch.setenv("HARNESS_DEVICE", "cpu")
    assert load_model(f"hf:{tiny_llama}").details["device"] == "cpu"
    monkeypatch.setenv("HARNESS_DEVICE", "tpu")
    with pytest.raises(ModelError, match="HARNESS_DEVICE must be cpu or cuda"):
        load_model(f"hf:{tiny_llama}")
    if not torch.cuda.is_available():
        monkeypatch.setenv("HARNESS_DEVICE", "cuda")
        with pytest.raises(ModelError, match="no CUDA device"):
            load_model(f"hf:{tiny_llama}")


def test_hf_refuses_pickle_weights(tmp_path, tiny_llama):
    import shutil

    import torch
    from safetensors.torch import load_file

    shutil.copytree(tiny_llama, tmp_path, dirs_exist_ok=True)
    torch.save(load_file(tmp_path / "model.safetensors"), tmp_path / "pytorch_model.bin")
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="pickle weights.*--allow-pickle"):
        load_model(f"hf:{tmp_path}")


def test_missing_files_and_unknown_specs(tmp_path):
    with pytest.raises(ModelError, match="GGUF file not found"):
        load_model(f"gguf:{tmp_path}/x.gguf")
    with pytest.raises(ModelError, match="scripted model file not found"):
        load_model(f"scripted:{tmp_path}/x.json")
    with pytest.raises(ModelError, match="unknown model spec 'hf:'"):
        load_model("hf:")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(f"scripted:{tmp_path}/bad.json")


def test_scripted_rules(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"replies": [{"when": "hi", "texts": ["a", "b"]}], "default_reply": "z",
                                "ratings": [{"when": "good", "label": "9"}], "default_label": "1"}))
    model = load_model(f"scripted:{path}")
    assert model.generate([{"role": "user", "content": "hi"}], n=3) == ["a", "b", "a"]
    assert model.generate([{"role": "user", "content": "yo"}], n=1) == ["z"]
    good, bad = model.rate([[{"role": "user", "content": "good"}], [{"role": "user", "content": "meh"}]], LABELS)
    assert proxy_score(good) == 1.0 and proxy_score(bad) == 0.0


def test_proxy_score_is_the_scaled_expected_rating():
    assert proxy_score([1 / 9] * 9) == pytest.approx(0.5)
    assert proxy_score([0.5, 0, 0, 0, 0, 0, 0, 0, 0.5]) == pytest.approx(0.5)
    assert proxy_score([0, 0, 0, 0, 0, 0, 1, 0, 0]) == pytest.approx(6 / 8)


def test_using_threads_sets_the_count_inside_and_restores_the_process_count_after(monkeypatch):
    import torch

    from harness.models.threads import using_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.delenv("HARNESS_LLAMACPP_THREADS", raising=False)
    before = torch.get_num_threads()
    with using_threads(1):
        assert torch.get_num_threads() == 1
        assert os.environ["OMP_NUM_THREADS"] == os.environ["HARNESS_LLAMACPP_THREADS"] == "1"
    assert torch.get_num_threads() == before
    assert os.environ["OMP_NUM_THREADS"] == "2" and "HARNESS_LLAMACPP_THREADS" not in os.environ
    with using_threads(None):  # no setting: nothing touched
        assert torch.get_num_threads() == before and "HARNESS_LLAMACPP_THREADS" not in os.environ
