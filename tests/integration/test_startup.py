"""`tuinn` (the default playground) starts light: issue 17 §6, the first frame within 0.5 s.

Time itself is measured by ``benchmarks/startup.py`` (a timing assertion would fail on a
loaded machine for reasons that have nothing to do with the code); this test pins the
causes the benchmark found, which do not depend on the machine:

- the session (and its trainer) is built once, not once to check the file and again for
  the app;
- nothing the first frame does not show is imported: no torch (``auto`` picks NumPy for
  the default net), no markdown-it (only a lesson's text and the help are Markdown), no
  numpy.ma (~15 ms: NumPy 2's ``np.unique`` imports it, so the startup path counts classes
  and distinct codes with ``np.bincount``), no lessons and labs (~5 ms), no link parser, no prompt;
- the first paint shows the session (empty panels were painted first, then everything
  again once drawn);
- the network has the focus from the start (moving it there from the first control
  restyled the whole screen twice);
- the garbage collector, off while tuinn starts, is on again afterwards;
- every node is styled once before the first paint (the mount styles it; Textual restyled
  the whole screen again on its first ScreenResume, and a node whenever a class was set on
  it, mounted or not: 528 stylings; 201 once styled once, 163 with the dropdowns' lists built
  on first opening), and skipping those restyles skipped nothing: restyling the whole
  screen after the first frame changes no node's styles.

The real ``tuinn.cli.main([])`` runs in a FRESH interpreter (this process has imported
everything already), with Textual's headless driver in place of the terminal; the child
exits once the first frame with the session drawn in it has been painted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = r"""
import gc, json, sys

import tuinn.tui.runner as runner
from tuinn.cli import main

counts = {"Playground": 0, "Trainer": 0}
seen = {}


def counted(cls, name):
    init = cls.__init__

    def __init__(self, *args, **kwargs):
        counts[name] += 1
        init(self, *args, **kwargs)

    cls.__init__ = __init__


def run_headless(app):
    # What run_app does, on the headless driver; the child stops after its first drawn frame.
    from textual.app import App
    from textual.screen import Screen

    from tuinn.tui.screens.playground_screen import PlaygroundScreen

    from textual.css.stylesheet import Stylesheet
    from textual.widget import Widget

    draw, set_focus, display, apply = PlaygroundScreen.draw, Screen.set_focus, App._display, Stylesheet.apply
    focused, paints, styled = [], [], {}

    def record_paint(self, screen, update):
        if update is not None:
            paints.append(len(seen))  # 0: before the first draw
        return display(self, screen, update)

    def record_style(self, node, **kwargs):
        if not paints and isinstance(node, Widget):  # before the first paint; not a component-class pseudo-node
            styled[id(node)] = (repr(node), styled.get(id(node), ("", 0))[1] + 1)
        return apply(self, node, **kwargs)

    def styles_of(screen):
        return {id(node): (repr(node), node.styles.base._rules.copy(),
                           {name: styles.base._rules.copy() for name, styles in node._component_styles.items()})
                for node in screen.walk_children(with_self=True)}

    def check_and_exit(screen):
        # What the skipped restyles would have done: restyle everything, and compare.
        before = styles_of(screen)
        screen.app.stylesheet.update(screen, animate=False)
        after = styles_of(screen)
        seen["restyle_changed"] = [before[k][0] for k in before if before[k] != after[k]]
        seen["nodes"] = len(before)
        screen.app.exit()

    def record_focus(self, widget, *args, **kwargs):
        if not seen:
            focused.append(getattr(widget, "id", None))
        return set_focus(self, widget, *args, **kwargs)

    def first_draw(self, snapshot):
        draw(self, snapshot)
        if not seen:
            seen["focused"] = focused
            self.app.call_after_refresh(check_and_exit, self)  # once this frame is painted

    PlaygroundScreen.draw, Screen.set_focus, App._display = first_draw, record_focus, record_paint
    Stylesheet.apply = record_style
    app.run(headless=True, size=(160, 48))
    seen["frames"] = app.playground_screen.frames
    seen["paints"] = paints
    seen["styled"] = sorted(styled.values())
    seen["return_code"] = app.return_code


# The classes are patched where they are defined, before the play path imports them.
from tuinn.session.playground import Playground
from tuinn.training.trainer import Trainer

counted(Playground, "Playground")
counted(Trainer, "Trainer")
runner.run_app = run_headless
status = main([])  # `tuinn`: the default playground
print(json.dumps({"status": status, "counts": counts, "gc_enabled": gc.isenabled(), **seen,
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                                    ("torch", "markdown_it", "textual", "plotext") or m in ("textual.widgets._markdown", "numpy.ma")
                                    or m.startswith(("tuinn.course", "tuinn.config.tf_playground", "tuinn.tui.screens.prompt")))}))
"""


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What the child reports after `tuinn`'s first frame."""
    cwd = tmp_path_factory.mktemp("startup")
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == 0 and report["return_code"] == 0
    assert report["frames"] >= 1  # the session was drawn: the checks below are about a real first frame
    assert list(Path(cwd).iterdir()) == []  # opening the playground writes nothing
    return report


def test_the_session_is_built_once(started: dict[str, object]) -> None:
    assert started["counts"] == {"Playground": 1, "Trainer": 1}


def test_the_first_frame_imports_nothing_it_does_not_show(started: dict[str, object]) -> None:
    modules = set(started["modules"])  # type: ignore[arg-type]
    assert "textual" in modules  # the list is real (the app ran in the child)
    assert not {m for m in modules if m.split(".")[0] == "torch"}
    assert not {m for m in modules if m.split(".")[0] == "markdown_it"}
    assert "textual.widgets._markdown" not in modules
    assert "numpy.ma" not in modules
    assert not {m for m in modules if m.startswith("tuinn.")}  # the lessons, the TF Playground link parser, the prompt


def test_the_first_paint_shows_the_session(started: dict[str, object]) -> None:
    """The session is drawn before anything is painted: no frame of empty panels first."""
    paints = started["paints"]
    assert paints, "no paint recorded: the hook on App._display no longer sees the paints"
    assert 0 not in paints  # type: ignore[operator]


def test_the_network_has_the_focus_from_the_start(started: dict[str, object]) -> None:
    """Every widget given the focus before the first frame: the network only (not a control first)."""
    assert started["focused"] and set(started["focused"]) == {"network"}  # type: ignore[arg-type]


def test_the_garbage_collector_is_on_again(started: dict[str, object]) -> None:
    assert started["gc_enabled"] is True


def test_every_node_is_styled_once_before_the_first_paint(started: dict[str, object]) -> None:
    """The mount styles each node; no whole-screen restyle on the first ScreenResume, no restyle of a
    node for a class set before it was mounted or right after (a Select's rows): the network alone is
    restyled, for the focus it gets (its border turns heavy)."""
    styled = started["styled"]
    assert len(styled) > 150  # type: ignore[arg-type]  # the count is real: the playground's ~200 nodes
    assert [name for name, times in styled if times > 1] == ["NetworkDiagram(id='network')"]  # type: ignore[union-attr]


def test_the_skipped_restyles_had_nothing_to_do(started: dict[str, object]) -> None:
    """Restyling the whole screen after the first frame changes no node's styles."""
    assert started["nodes"] > 150  # type: ignore[operator]
    assert started["restyle_changed"] == []
