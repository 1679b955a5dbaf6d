"""Gold verification: LaTeX facts, claims in a text, checks by claim kind, and each claim's verdict (verdict.py).
May import: core."""
