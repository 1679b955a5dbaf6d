"""Shared ground: papers and labeled rows, prompt templates, shipped files, seeds, declared files.
May import: models (the Messages type), maths (for glossaries: symbols and relations)."""
