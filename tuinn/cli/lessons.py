"""``tuinn lesson list|N`` and ``tuinn lab list|NAME``: the course in order, and its labs.

A lesson opens the playground (with its preset and only the controls introduced so far)
or a lab; ``>`` / ``<`` in the app move to the next / previous lesson, which this loop
then opens, so a teacher can walk through the lecture in one terminal.
"""

from __future__ import annotations

from typing import Any

from tuinn.errors import TuinnError


def lesson_list() -> int:
    from rich.console import Console
    from rich.table import Table

    from tuinn.course.lessons import lessons

    table = Table(title="tuinn lessons (open one with: tuinn lesson N)", title_justify="left")
    table.add_column("N", justify="right")
    table.add_column("lesson")
    table.add_column("opens")
    table.add_column("introduces")
    for les in lessons():
        opens = f"lab {les.lab}" if les.lab else f"playground: {les.experiment.name}"  # type: ignore[union-attr]
        table.add_row(str(les.number), les.title, opens, ", ".join(les.introduces))
    Console(highlight=False).print(table)
    return 0


def lesson_command(which: str) -> int:
    from tuinn.course.lessons import lesson, lessons

    if which == "list":
        return lesson_list()
    try:
        number: int | None = int(which)
    except ValueError:
        raise TuinnError(f"tuinn lesson {which}: give a lesson number or 'list'") from None
    numbers = [les.number for les in lessons()]
    lesson(number)  # type: ignore[arg-type]  # an unknown number fails here, before any screen opens
    while number is not None:
        les, shown = lesson(number)
        result = _open(les, shown)
        i = numbers.index(number)
        if result == "next":
            number = numbers[i + 1] if i + 1 < len(numbers) else None
        elif result == "previous":
            number = numbers[max(i - 1, 0)]
        else:
            number = None
    return 0


def _open(les: Any, shown: frozenset[str]) -> str | None:
    from tuinn.tui.runner import run_app  # a crash of the app: exit 1, the lesson loop ends

    if les.lab is not None:
        from tuinn.tui.lab_app import LabApp

        return run_app(LabApp(les.lab, lesson=les))
    from tuinn.session.playground import Playground

    Playground(les.experiment)  # a preset that does not build fails with one line
    from tuinn.tui.app import TuinnApp

    return run_app(TuinnApp(les.experiment, lesson=les, shown=shown))


def lab_command(which: str) -> int:
    from tuinn.course.labs import lab_names, load_lab

    if which == "list":
        from rich.console import Console
        from rich.table import Table

        table = Table(title="tuinn labs (open one with: tuinn lab NAME)", title_justify="left")
        table.add_column("name")
        table.add_column("what it shows")
        for name in lab_names():
            table.add_row(name, load_lab(name).title)
        Console(highlight=False).print(table)
        return 0
    load_lab(which)  # unknown name: one line, exit 2
    from tuinn.tui.lab_app import LabApp
    from tuinn.tui.runner import run_app

    run_app(LabApp(which))  # a crash of the app: exit 1
    return 0
