"""ctrl+s in the playground proposes a folder inside runs/, whatever the spec's name holds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Input

from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.prompt import Prompt

SIZE = (160, 48)


@pytest.mark.parametrize("name", ["../../../x", "/etc/x", "..", ".hidden", "x\n../y"])
def test_the_proposed_save_folder_stays_inside_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    cwd = tmp_path / "a" / "b" / "c"  # deep enough that a climbing name still lands inside tmp_path
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    exp = default_experiment()
    exp.name = name

    async def go() -> None:
        app = TuinnApp(exp)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, Prompt)
            proposed = app.screen.query_one("#prompt-input", Input).value
            folder = (cwd / proposed).resolve()
            assert folder.parent == (cwd / "runs").resolve() and not folder.name.startswith(".")
            await pilot.press("enter")
            await pilot.pause()
            await app.workers.wait_for_complete()
            assert (folder / "config.toml").is_file()

    asyncio.run(go())
    written = list(tmp_path.rglob("config.toml"))
    assert len(written) == 1 and written[0].parent.parent == cwd / "runs"
