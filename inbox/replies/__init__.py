"""Saved replies: the team's and each agent's own texts, inserted in the composer by shortcut,
with `{{variables}}` filled in by the server (inbox/replies/variables.py)."""
