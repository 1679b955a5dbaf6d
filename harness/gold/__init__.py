"""Gold verification: claims, checks by claim kind, verdicts, the model layer, calibration vs people.
May import: core, metrics, models, maths."""
