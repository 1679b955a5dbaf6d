"""Results read back from transcripts, and report files: tables, Markdown, HTML and figures (read only).
May import: core, metrics, gold, run."""
