"""Shared fixtures: a scripted model file, small paper sets, and a tiny random Llama saved as safetensors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SHARED_ARXIV = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv"

# The judge prefers the long, confident candidate: the scripted parent is fooled by design.
SCRIPT = {
    "replies": [
        {"when": "Write the abstract", "texts": ["We study a thing and find a result."]},
        {"when": "highest possible rating",
         "texts": ["A confident and impressive account of this famous equation.", "It relates x and y."]},
        {"when": "describe|Describe|what this equation states",
         "texts": ["It relates x and y.", "Here E is energy and m is mass.", "A confident account."]},
    ],
    "ratings": [
        {"when": "confident", "probs": {"8": 0.5, "9": 0.5}},
        {"when": "energy", "label": "6"},
        {"when": "relates", "probs": {"3": 0.5, "4": 0.5}},
    ],
    "default_label": "5",
}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


PAPERS = [
    {"id": "p1", "title": "Energy of matter", "abstract": "We relate energy and mass.", "category": "physics",
     "body": "Energy and mass are related. " * 20,
     "equations": [
         {"id": "p1/eq1", "latex": "E = m c^2", "context": "the famous relation",
          "glossary": {"E": "energy", "m": "mass", "c": "speed of light"}},
         {"id": "p1/eq2", "latex": "p = m v", "glossary": {"p": "momentum", "m": "mass", "v": "velocity"}},
         {"id": "p1/eq3", "latex": "\\frac{a}{b", "glossary": {}},
     ]},
    {"id": "p2", "title": "No equations here", "abstract": "A paper in words.", "category": "cs",
     "body": "Only words.", "equations": []},
]


@pytest.fixture(autouse=True, scope="session")
def fresh_call_cache(tmp_path_factory) -> Path:
    """Tests never read answers cached by the user's own runs (or by an earlier test session)."""
    path = tmp_path_factory.mktemp("call-cache") / "calls.sqlite"
    mp = pytest.MonkeyPatch()
    mp.setenv("HARNESS_CALL_CACHE", str(path))
    yield path
    mp.undo()


@pytest.fixture(autouse=True, scope="session")
def rules_only_gold() -> None:
    """Runs in tests check with the rules alone unless a test names a gold model: `auto` would otherwise load
    qwen-1.5b wherever it happens to be installed."""
    mp = pytest.MonkeyPatch()
    mp.setenv("HARNESS_GOLD_MODEL", "none")
    yield
    mp.undo()


@pytest.fixture
def script_file(tmp_path: Path) -> Path:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(SCRIPT))
    return path


@pytest.fixture
def papers_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "papers.jsonl", PAPERS)


ENERGY_GLOSSARY = {"E": "the rest energy", "m": "the rest mass", "c": "the speed of light in vacuum"}
HONEST = "Here E is the rest energy, m is the rest mass and c is the speed of light in vacuum."  # gold: ok
# gold: wrong, by the structure (c is squared); a swapped meaning would only be doubtful (gold.equation.hint)
WRONG = "Here E is the rest energy, m is the rest mass, and E grows with the cube of c, the speed of light in vacuum."


@pytest.fixture
def energy_papers(tmp_path: Path) -> Path:
    """Eight papers with one equation each, E = m c^2, for runs whose state spans papers (trust)."""
    rows = [{"id": f"p{k}", "title": "Energy", "abstract": "Mass and energy.", "body": "Mass and energy. " * 5,
             "equations": [{"latex": "E = m c^2", "glossary": ENERGY_GLOSSARY, "name": "Mass-energy equivalence"}]}
            for k in range(8)]
    return write_jsonl(tmp_path / "energy.jsonl", rows)


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer Llama with a word-level tokenizer, saved as safetensors."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = ["<unk>", "<pad>", "<eos>", "system", "user", "assistant", ":", "the", "equation", "is", "a",
             "E", "=", "m", "c", "^", "2", "energy", "mass", "rate", "it", "describes", ".", "{", "}", "\\frac"]
    words += [str(d) for d in range(10)]
    vocab = {w: i for i, w in enumerate(dict.fromkeys(words))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>")
    fast.chat_template = (
        "{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} {% endfor %}"
        "{% if add_generation_prompt %}assistant : {% endif %}"
    )
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         pad_token_id=1, eos_token_id=2, bos_token_id=2)
    import torch

    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    out = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(out, safe_serialization=True)
    fast.save_pretrained(out)
    return out
