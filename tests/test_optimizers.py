"""refine and train change the describer as logged; parse errors name the valid forms."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.run.config import RunConfig
from harness.run.experiment import run_experiment
from harness.run.optimizers import BestOfN, Refine, Train, parse_optimizer
from harness.run.training import load_trained
from harness.run.transcript import Transcript


def test_parse_optimizer():
    assert parse_optimizer("none") == BestOfN(1) and parse_optimizer("refine(3)") == Refine(3)
    assert parse_optimizer("train(5)") == Train(5)
    with pytest.raises(ValueError, match="valid forms: none"):
        parse_optimizer("anneal(3)")


def test_refine_logs_critiques_and_revisions(tmp_path, papers_file, script_file):
    script = json.loads(script_file.read_text())
    script["replies"] = [{"when": "say what is wrong", "texts": ["Say what E is."]},
                         {"when": "Write an improved description", "texts": ["A confident account: E is energy."]},
                         *script["replies"]]
    script_file.write_text(json.dumps(script))
    run_dir = run_experiment(RunConfig(data=str(papers_file), summarizer=f"scripted:{script_file}", papers=1,
                                       optimizer="refine(2)", runs=str(tmp_path)))
    t = Transcript.open(run_dir)
    describer = t.tree()[0]["children"][0]
    cands = describer["candidates"]
    assert [c["round"] for c in cands] == [0, 1, 2]
    assert cands[0]["critique"] is None and [c["critique"] for c in cands[1:]] == ["Say what E is."] * 2
    assert cands[0]["text"] == "It relates x and y." and cands[1]["text"] == "A confident account: E is energy."
    assert [c["chosen"] for c in cands] == [False, True, False]  # first of the two best-rated revisions
    t.close()


def test_train_saves_an_adapter_that_reloads(tmp_path, papers_file, tiny_llama):
    cfg = RunConfig(data=str(papers_file), summarizer=f"hf:{tiny_llama}", papers=1, max_equations=1,
                    optimizer="train(2)", describer_tokens=6, summary_tokens=4, runs=str(tmp_path))
    run_dir = run_experiment(cfg)
    t = Transcript.open(run_dir)
    describer = t.tree()[0]["children"][0]
    updates = t.events(agent_id=describer["id"], kind="weight_update")
    (adapter,) = t.events(agent_id=describer["id"], kind="adapter")
    t.close()
    assert [u.payload["step"] for u in updates] == [0, 1]
    assert Path(adapter.payload["path"]).is_relative_to(run_dir)
    assert (Path(adapter.payload["path"]) / "adapter_config.json").is_file()
    rounds = [c["round"] for c in describer["candidates"]]
    assert rounds[:4] == [0] * 4 and rounds[4:8] == [1] * 4 and set(rounds[8:]) == {3}
    assert sum(c["chosen"] for c in describer["candidates"]) == 1
    # The run's describer_tokens bound the training samples as they bound every other describer call.
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    assert max(len(tokenizer(c["text"], add_special_tokens=False)["input_ids"])
               for c in describer["candidates"]) <= 6
    # LoRA's B matrices start at zero: non-zero saved B weights mean the describer's own weights moved.
    from safetensors.torch import load_file

    weights = load_file(Path(adapter.payload["path"]) / "adapter_model.safetensors")
    lora_b = [w for k, w in weights.items() if "lora_B" in k]
    assert lora_b and any(w.abs().max() > 0 for w in lora_b)
    # The trained sub-agent can be reloaded for inspection.
    from harness.models import load_model

    reloaded = load_trained(load_model(f"hf:{tiny_llama}"), Path(adapter.payload["path"]))
    assert len(reloaded.generate([{"role": "user", "content": "the equation"}], n=2, max_new_tokens=4)) == 2


def test_ranking_optimizers_refuse_greedy_sampling(tmp_path):
    from harness.core.declared import ConfigError
    from harness.run.config import load_config

    with pytest.raises(ConfigError, match=r"^command line: optimizer train needs temperature > 0"):
        load_config(None, {"optimizer": "train(3)", "temperature": 0})
    assert load_config(None, {"optimizer": "refine(3)", "temperature": 0}).temperature == 0
    greedy = tmp_path / "greedy.toml"
    greedy.write_text('optimizer = "train(3)"\ntemperature = 0\n')
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(greedy))}: optimizer train needs temperature > 0"):
        load_config(str(greedy), {})
    assert load_config(str(greedy), {"optimizer": "refine(2)"}).optimizer == "refine(2)"  # judged merged
    with pytest.raises(ConfigError, match=r"optimizer best_of_n\(4\) needs temperature > 0"):
        load_config(str(greedy), {"optimizer": "best_of_n(4)"})  # four copies of one greedy text
    assert load_config(None, {"optimizer": "best_of_n(1)", "temperature": 0}).optimizer == "best_of_n(1)"
