"""Screens of the concept labs (see tuinn.labs for their data files)."""
