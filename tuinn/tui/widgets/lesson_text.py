"""A lesson's text as the playground and the labs show it.

Why a module of its own: both the playground (:mod:`tuinn.tui.app`) and the lab app
(:mod:`tuinn.tui.lab_app`) show it; kept in either, the other had to import it from there,
and the two modules imported each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuinn.course.lessons import Lesson


def lesson_markdown(lesson: Lesson) -> str:
    """A lesson's panel: title, text, and how to move on."""
    return f"## {lesson.number}. {lesson.title}\n\n{lesson.text}\n\n---\n`<` previous lesson · `>` next lesson · `q` quit"


__all__ = ["lesson_markdown"]
