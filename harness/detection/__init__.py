"""Detectors of persuasive-but-wrong outputs, the detector eval suites, and the labeled-set generator.
May import: core, metrics, models, gold, judging, maths."""
