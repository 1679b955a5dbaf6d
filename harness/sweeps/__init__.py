"""Sweeps: declared experiments of many runs, their analyses (best-of-n fit, rounds, depth, trust) and report.
May import: core, metrics, run, reports."""
