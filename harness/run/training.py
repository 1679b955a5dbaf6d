"""The `train(steps)` optimizer: a spawned describer gets its own LoRA weights, trained on its parent's rating alone.

Expert iteration: sample a few texts, keep the best-rated, take one supervised step on them. The parent's proxy is
the only reward, so whatever the parent over-rates is what the describer learns to write.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from pydantic import BaseModel

from harness.models import Messages, ModelError
from harness.models.hf import HFModel

LORA = {"r": 8, "lora_alpha": 16, "lora_dropout": 0.0, "target_modules": ["q_proj", "v_proj"]}


class TrainStep(BaseModel):
    step: int
    mean_proxy: float
    best_proxy: float
    loss: float


class TrainResult(BaseModel):
    adapter_dir: str
    steps: list[TrainStep]
    kl_estimate: float  # nats, KL(trained || initial) on the sampled replies
    samples: list[str]  # the fresh replies of the trained describer that the KL estimate used


def _float32_copy(base: HFModel) -> torch.nn.Module:
    """Training needs float32 (the shared base may be bfloat16), and a copy so the judge's weights never move."""
    return copy.deepcopy(base.model).to(torch.float32)


def trainable_copy(base: HFModel) -> HFModel:
    """A deep copy of the base with a fresh LoRA adapter (peft), so training never touches the shared model
    that other roles (the judge!) use."""
    with torch.random.fork_rng():  # LoRA's random init must not depend on (or disturb) the caller's RNG state
        torch.manual_seed(0)
        model = get_peft_model(_float32_copy(base), LoraConfig(task_type="CAUSAL_LM", **LORA))
    return _wrap(model, base)


def load_trained(base: HFModel, adapter_dir: Path) -> HFModel:
    """Base copy + saved adapter: reproduces the trained describer's outputs for the same seed."""
    if not (Path(adapter_dir) / "adapter_config.json").is_file():
        raise ModelError(f"no trained adapter (adapter_config.json) in {adapter_dir}")
    return _wrap(PeftModel.from_pretrained(_float32_copy(base), str(adapter_dir)), base)


def _wrap(model: PeftModel, base: HFModel) -> HFModel:
    wrapped = HFModel(model, base.tokenizer, spec=f"{base.spec}+lora")
    wrapped.details["adapter"] = f"lora r={LORA['r']} on {','.join(LORA['target_modules'])}"
    return wrapped


def _sample(model: HFModel, messages: Messages, n: int, seed: int, max_new_tokens: int,
            **sampling) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[str]]:
    """n replies in one batched generate, kept as the sampled token ids: scoring re-tokenized text would lose the
    end-of-reply token (whose probability is part of the policy) and could split words differently.

    Returns prompt ids (1, P), reply ids (n, T), a mask of the reply tokens up to and including the first end
    token, and the decoded texts (decoded as `HFModel.generate` does).
    """
    prompt = model._encode(model._texts([messages]))["input_ids"]
    model.model.eval()
    torch.manual_seed(seed)
    with torch.no_grad():
        inputs, per_input = model.sampling_inputs({"input_ids": prompt, "attention_mask": torch.ones_like(prompt)}, n)
        out = model.model.generate(**inputs, do_sample=True, num_return_sequences=per_input,
                                   max_new_tokens=max_new_tokens, pad_token_id=model.tokenizer.pad_token_id,
                                   **sampling)
    replies = out[:, prompt.shape[1]:]
    eos_ids = model.model.generation_config.eos_token_id  # what generate stops on: an id, a list, or None
    eos = torch.tensor([] if eos_ids is None else eos_ids, dtype=torch.long, device=replies.device).flatten()
    is_end = torch.isin(replies, eos).int()
    mask = (is_end.cumsum(1) - is_end == 0).float()
    texts = [t.strip() for t in model.tokenizer.batch_decode(replies, skip_special_tokens=True)]
    return prompt, replies, mask, texts


def _token_logprobs(model: HFModel, prompt: torch.Tensor, replies: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """log p(token | prompt, earlier tokens) for each reply token, zero where masked. The prompt is shared, so
    replies are right-padded after it and positions need no correction."""
    ids = torch.cat([prompt.expand(len(replies), -1), replies], dim=1)
    attention = torch.cat([torch.ones_like(prompt).expand(len(replies), -1), mask.long()], dim=1)
    # Only the logits that predict reply tokens: the prompt's would cost (n x prompt x vocab) memory for nothing.
    logits = model.model(input_ids=ids, attention_mask=attention, logits_to_keep=replies.shape[1] + 1).logits
    logits = logits[:, :-1].float()
    logp = torch.log_softmax(logits, dim=-1).gather(-1, replies.unsqueeze(-1)).squeeze(-1)
    return logp * mask


@torch.no_grad()
def sequence_logprob(model: HFModel, messages: Messages, texts: list[str]) -> list[float]:
    """Sum of log p over each text's tokens, given the chat-templated prompt (no end token appended)."""
    prompt = model._encode(model._texts([messages]))["input_ids"]
    enc = model.tokenizer(texts, return_tensors="pt", padding="longest", padding_side="right",
                          add_special_tokens=False).to(prompt.device)
    model.model.eval()
    return _token_logprobs(model, prompt, enc["input_ids"], enc["attention_mask"].float()).sum(1).tolist()


def _step_seed(seed: int, step: int) -> int:
    """Distinct per (seed, step), so runs with neighbouring seeds do not share samples (seed + step would)."""
    return seed * 1_000_003 + step


def train_describer(model: HFModel, messages: Messages, reward: Callable[[list[str]], list[float]], steps: int,
                    out_dir: Path, samples: int = 4, lr: float = 5e-4, seed: int = 0, max_new_tokens: int = 64,
                    temperature: float = 0.8, kl_samples: int = 16,
                    on_step: Callable[[TrainStep, list[str], list[float]], None] | None = None) -> TrainResult:
    """Expert iteration: each step samples `samples` texts in one batched generate (seed derived from seed+step),
    gets their rewards, and takes one supervised gradient step (LoRA params only, AdamW) on the best-rated
    text(s) given the prompt (loss on the completion tokens only). After training: estimate KL(trained || initial)
    from samples: mean over fresh samples y ~ trained of [log p_trained(y|x) - log p_initial(y|x)], using peft's
    `disable_adapter()` context for the initial policy; save the adapter with `save_pretrained(out_dir)`.

    Training samples use `HFModel.generate`'s settings (so `on_step` sees what the describer would write); the
    `kl_samples` KL samples use temperature 1 without truncation, the policy whose KL the estimator measures.
    """
    if not isinstance(model.model, PeftModel):
        raise ValueError("train_describer needs a model from trainable_copy(); it would otherwise train shared weights")
    params = [p for p in model.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    history: list[TrainStep] = []
    for step in range(steps):
        prompt, replies, mask, texts = _sample(model, messages, samples, _step_seed(seed, step), max_new_tokens,
                                               temperature=temperature, top_p=0.95, top_k=None)
        rewards = [float(r) for r in reward(texts)]
        best = max(rewards)
        chosen = [i for i, r in enumerate(rewards) if r == best]
        model.model.train()
        logp = _token_logprobs(model, prompt, replies[chosen], mask[chosen])
        loss = -logp.sum() / mask[chosen].sum().clamp(min=1)  # mean NLL per chosen reply token
        if len(chosen) < len(rewards):  # all tied: no preference to learn, and imitating all would only sharpen
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        record = TrainStep(step=step, mean_proxy=sum(rewards) / len(rewards), best_proxy=best, loss=loss.item())
        history.append(record)
        if on_step:
            on_step(record, texts, rewards)
    model.model.eval()

    prompt, replies, mask, texts = _sample(model, messages, kl_samples, _step_seed(seed, steps), max_new_tokens,
                                           temperature=1.0, top_p=1.0, top_k=0)
    with torch.no_grad():
        trained = _token_logprobs(model, prompt, replies, mask).sum(1)
        with model.model.disable_adapter():
            initial = _token_logprobs(model, prompt, replies, mask).sum(1)
    model.model.save_pretrained(str(out_dir))
    return TrainResult(adapter_dir=str(out_dir), steps=history, kl_estimate=(trained - initial).mean().item(),
                       samples=texts)
