"""The parent's judgment and how it can be fooled: the judge, its defences, judge-eval pools and bias probes.
May import: core, metrics, models, gold, maths."""
