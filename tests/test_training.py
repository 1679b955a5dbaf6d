"""The train(steps) optimizer on a tiny random Llama: LoRA-only updates, driven by the reward, reloadable, KL >= 0."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from harness.models import ModelError, load_model
from harness.run.training import load_trained, sequence_logprob, train_describer, trainable_copy

MESSAGES = [{"role": "user", "content": "the equation E = m c ^ 2"}]
STEPS = 30


def energy_reward(texts: list[str]) -> list[float]:
    return [float(t.split().count("energy")) for t in texts]


def tiny_base(path) -> object:
    """The fixture's Llama with its output layer scaled up: at init std 0.02 on a 32-wide model every next-token
    distribution is near uniform and no adapter on q/v can move the logits by more than about one nat."""
    base = load_model(f"hf:{path}")
    with torch.no_grad():
        base.model.lm_head.weight.mul_(10)
    return base


@pytest.fixture(scope="module")
def trained(tiny_llama, tmp_path_factory):
    base = tiny_base(tiny_llama)
    base_before = {n: p.clone() for n, p in base.model.named_parameters()}
    model = trainable_copy(base)
    lora_before = {n: p.clone() for n, p in model.model.named_parameters() if "lora_" in n}
    calls = []
    result = train_describer(model, MESSAGES, energy_reward, STEPS, tmp_path_factory.mktemp("adapter"), samples=4,
                             lr=5e-3, seed=0, max_new_tokens=16, on_step=lambda *args: calls.append(args))
    return SimpleNamespace(base=base, base_before=base_before, model=model, lora_before=lora_before, result=result,
                           calls=calls)


def test_training_moves_lora_weights_only(trained):
    lora_after = dict(trained.model.model.named_parameters())
    assert trained.lora_before and all(not torch.equal(p, lora_after[n]) for n, p in trained.lora_before.items())
    assert all(torch.equal(p, trained.base_before[n]) for n, p in trained.base.model.named_parameters())
    trainable = {n for n, p in trained.model.model.named_parameters() if p.requires_grad}
    assert trainable == set(trained.lora_before)
    assert trained.model.details["dtype"] == "float32" and trained.model.spec.endswith("+lora")


def test_reward_drives_training(trained):
    steps = trained.result.steps
    assert [s.step for s in steps] == list(range(STEPS)) and len(trained.calls) == STEPS
    record, texts, rewards = trained.calls[0]
    assert record == steps[0] and rewards == energy_reward(texts) and len(texts) == 4
    first = sum(s.mean_proxy for s in steps[:10]) / 10
    last = sum(s.mean_proxy for s in steps[-10:]) / 10
    assert last > first + 1.0, (first, last)
    assert sequence_logprob(trained.model, MESSAGES, ["energy energy"])[0] > \
        sequence_logprob(trained.base, MESSAGES, ["energy energy"])[0]


def test_saved_adapter_reproduces_generations(trained):
    reloaded = load_trained(trained.base, trained.result.adapter_dir)
    for seed in (0, 7):
        assert reloaded.generate(MESSAGES, n=3, max_new_tokens=12, seed=seed) == \
            trained.model.generate(MESSAGES, n=3, max_new_tokens=12, seed=seed)
    assert reloaded.generate(MESSAGES, n=3, max_new_tokens=12, seed=0) != \
        trained.base.generate(MESSAGES, n=3, max_new_tokens=12, seed=0)


def test_kl_estimate(trained, tiny_llama, tmp_path):
    untrained = train_describer(trainable_copy(tiny_base(tiny_llama)), MESSAGES, energy_reward, 0, tmp_path,
                               max_new_tokens=16)
    assert untrained.steps == [] and len(untrained.samples) == 16
    assert abs(untrained.kl_estimate) < 1e-4
    assert trained.result.kl_estimate > -0.05
    assert trained.result.kl_estimate > untrained.kl_estimate + 1.0


def test_untrained_copy_matches_base(tiny_llama, monkeypatch):
    monkeypatch.setenv("HARNESS_DTYPE", "float32")  # a bfloat16 base (native-bf16 CPUs) differs from its copy by ~1%
    base = tiny_base(tiny_llama)
    texts = ["energy", "the equation is a rate", ""]
    got, want = sequence_logprob(trainable_copy(base), MESSAGES, texts), sequence_logprob(base, MESSAGES, texts)
    assert got == pytest.approx(want, abs=1e-4) and want[2] == 0.0


def test_refuses_shared_weights_and_missing_adapter(tiny_llama, tmp_path):
    with pytest.raises(ValueError, match="trainable_copy"):
        train_describer(load_model(f"hf:{tiny_llama}"), MESSAGES, energy_reward, 1, tmp_path)
    with pytest.raises(ModelError, match="no trained adapter"):
        load_trained(load_model(f"hf:{tiny_llama}"), tmp_path / "missing")


def test_deterministic_for_a_seed(tiny_llama, tmp_path):
    base = tiny_base(tiny_llama)
    runs = [train_describer(trainable_copy(base), MESSAGES, energy_reward, 5, tmp_path / str(i), lr=5e-3, seed=3,
                            max_new_tokens=16) for i in range(2)]
    assert runs[0].model_dump(exclude={"adapter_dir"}) == runs[1].model_dump(exclude={"adapter_dir"})


def test_step_samples_are_what_generate_writes(tiny_llama, tmp_path):
    """on_step sees the texts the describer's own `generate` gives for the step's seed (seed 0, step 0 -> 0)."""
    base = tiny_base(tiny_llama)
    seen = []
    train_describer(trainable_copy(base), MESSAGES, energy_reward, 1, tmp_path, samples=4, seed=0, max_new_tokens=16,
                    on_step=lambda record, texts, rewards: seen.append(texts))
    assert seen == [trainable_copy(base).generate(MESSAGES, n=4, temperature=0.8, max_new_tokens=16, seed=0)]
    unshared = trainable_copy(base)
    unshared.share_prompt = False  # the prompt's prefill per sample: the same texts (the copy is float32)
    seen_unshared = []
    train_describer(unshared, MESSAGES, energy_reward, 1, tmp_path / "u", samples=4, seed=0, max_new_tokens=16,
                    on_step=lambda record, texts, rewards: seen_unshared.append(texts))
    assert seen_unshared == seen
