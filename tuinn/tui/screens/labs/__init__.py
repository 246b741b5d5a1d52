"""Screens of the concept labs (see tuinn.course.labs for their data files)."""
