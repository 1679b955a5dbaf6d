"""Third-party progress bars and warnings off, for every entry point (`harness`, `python -m harness....`)."""

from __future__ import annotations

import logging
import os
import warnings


def quiet_third_parties() -> None:
    """Silence transformers' and huggingface_hub's progress bars and warnings: the harness says in one line what
    a long step is doing ("converting qwen-1.5b once (about 45 s)")."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")  # transformers' GGUF and weight-loading bars are tqdm's
    warnings.filterwarnings("ignore", module=r"^(?!harness)")
    for name in ("transformers", "huggingface_hub", "accelerate", "datasets", "torch"):
        logging.getLogger(name).setLevel(logging.ERROR)
