"""Gold as one instrument: the rules first, then the gold model layer where the rules cannot decide.

A rule's contradiction is `wrong`, proven, with its evidence. Otherwise the model's P(False) of the text (the
largest over its statements) decides, also where the rules only doubt (a hint is no proof): `wrong` at or above
WRONG_AT, `ok` below OK_BELOW (every statement judged true), `unverifiable` between. Every verdict keeps its
provenance: the rules' claims with their evidence, and the model's statements with their P(False). Neither layer
sees a rating.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from harness.gold.model import GoldModel, ModelCheck, Row
from harness.gold.verdict import GoldVerdict, ModelStatement, check

# Thresholds on the model's P(False), fixed before the first held-out measurement (2026-12-04).
WRONG_AT = 0.6
OK_BELOW = 0.3


def combine(rule_verdict: str, p_false: float) -> str:
    """The verdict of rules and model together (see the module's docstring)."""
    if rule_verdict == "wrong" or math.isnan(p_false):
        return rule_verdict
    if p_false >= WRONG_AT:
        return "wrong"
    return "ok" if p_false < OK_BELOW else "unverifiable"


def with_model(rules: GoldVerdict, found: ModelCheck) -> GoldVerdict:
    """A rules verdict completed by the model layer. The gold score is 0 for a proven contradiction, else
    1 - P(False) (the rules' score where the model had nothing to ask): a doubted text that the model finds
    true can be `ok` and score high, as measured (README, "How far gold can be trusted")."""
    p = found.score
    score = 0.0 if rules.verdict == "wrong" else rules.gold_score if math.isnan(p) else 1.0 - p
    return rules.model_copy(update={
        "verdict": combine(rules.verdict, p), "gold_score": score,
        "instrument": f"rules+model:{found.model}:{found.method}",
        "model_score": None if math.isnan(p) else p,
        "statements": [ModelStatement(statement=s.text, p_false=s.p_false) for s in found.statements],
    })


class Gold:
    """The rules alone, or the rules with a gold model (any model spec; never the judge's own model)."""

    def __init__(self, model: GoldModel | None = None) -> None:
        self.model = model

    @property
    def name(self) -> str:
        return "rules" if self.model is None else f"rules+{self.model.name}"

    def check_texts(self, texts: Sequence[str], latex: str, glossary: dict[str, str] | None = None,
                    name: str | None = None, context: str = "", title: str = "") -> list[GoldVerdict]:
        """Verdicts on several descriptions of one equation; the model asks about all of them in one call."""
        rules = [check(t, latex, glossary, name, context) for t in texts]
        if self.model is None:
            return rules
        found = self.model.check_many([Row(t, latex, context, title) for t in texts])
        return [with_model(r, f) for r, f in zip(rules, found, strict=True)]
