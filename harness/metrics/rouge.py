"""ROUGE-1/2/L F-measures (Lin 2004) as an `evaluate` metric, computed with Google's rouge_score package."""

import datasets
import evaluate
from rouge_score import rouge_scorer

_DESCRIPTION = "ROUGE-1, ROUGE-2 and ROUGE-L F1 between predictions and references, averaged over pairs."
_KWARGS = """
Args:
    predictions: list of generated texts.
    references: list of reference texts, one per prediction.
    use_stemmer: apply the Porter stemmer before matching (default True).
Returns:
    dict with rouge1, rouge2, rougeL: mean F1 in [0, 1].
"""

TYPES = ("rouge1", "rouge2", "rougeL")


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class Rouge(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Lin, C.-Y. (2004). ROUGE: A Package for Automatic Evaluation of Summaries.",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions, references, use_stemmer=True):
        scorer = rouge_scorer.RougeScorer(list(TYPES), use_stemmer=use_stemmer)
        scores = [scorer.score(ref, pred) for pred, ref in zip(predictions, references, strict=True)]
        n = max(len(scores), 1)
        return {t: sum(s[t].fmeasure for s in scores) / n for t in TYPES}
