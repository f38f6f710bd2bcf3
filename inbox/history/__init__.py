"""Supervisors' history: every conversation of every channel, searchable."""
