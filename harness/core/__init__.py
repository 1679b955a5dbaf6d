"""Shared ground: papers and labeled rows, prompt templates, shipped files, seeds, declared files, number formats.
May import: models (the Messages type), maths (an equation's symbols for its glossary)."""
