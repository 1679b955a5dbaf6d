"""A run: config, experiment, delegation (agents), oversight and trust, optimizers, training, transcript, merge.
May import: core, metrics, models, gold, judging, detection, maths."""
