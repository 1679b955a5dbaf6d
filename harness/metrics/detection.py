"""Detector quality as an `evaluate` metric: AUROC, and precision and recall at a threshold.

predictions are suspicion scores (higher = more likely wrong); references are 1 for wrong, 0 for correct.
"""

import datasets
import evaluate

from harness.metrics.stats import auroc, precision_recall

_DESCRIPTION = "AUROC of suspicion scores against wrong(1)/correct(0) labels, and precision/recall at a threshold."
_KWARGS = """
Args:
    predictions: suspicion scores, higher means more suspicious.
    references: 1 for a wrong output, 0 for a correct one.
    threshold: flag outputs whose score is >= threshold (default 0.5).
Returns:
    dict with auroc, precision, recall.
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class Detection(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Hanley and McNeil (1982), The meaning and use of the area under a ROC curve.",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("float64"), "references": datasets.Value("int32")}
            ),
        )

    def _compute(self, predictions, references, threshold=0.5):
        precision, recall = precision_recall(predictions, references, threshold)
        return {"auroc": auroc(predictions, references), "precision": precision, "recall": recall}
