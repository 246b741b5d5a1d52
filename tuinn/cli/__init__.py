"""The ``tuinn`` command line.

Only ``argparse`` and the error types are imported at module level: ``tuinn --help``
must not pay for NumPy-heavy modules, and never for textual or torch. Each command
imports what it needs when it runs.

Every error the user can fix is a :class:`~tuinn.errors.TuinnError`: printed as one
line on stderr, exit status 2, nothing written.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from tuinn import __version__
from tuinn.errors import TuinnError

EXIT_USAGE = 2


class UsageError(TuinnError):
    """A command line argparse refused: printed like every other user error, one line, exit 2."""


class Parser(argparse.ArgumentParser):
    """argparse with tuinn's error contract: one line ``tuinn: error: …``, no usage dump.

    Why: a usage block of twenty options buries the one thing that is wrong, and a test
    or a script reading stderr wants one line like every other bad input. A mistyped
    choice (a sub-command, ``--backend nump``) is answered with the closest valid word.
    Sub-parsers are built from ``type(parent)``, so they behave the same.
    """

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing usage and exiting: ``main`` prints the one line."""
        if "did you mean" not in message:
            message = f"{message} (see '{self.prog} --help')"
        raise UsageError(message)

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """A value outside ``choices``: name it, and the nearest choice when there is one."""
        choices = action.choices
        if choices is None or value in choices:
            return
        names = [str(c) for c in choices]
        hint = difflib.get_close_matches(str(value), names, n=1)
        if isinstance(action, argparse._SubParsersAction):
            parent = self.prog.removeprefix("tuinn").strip()
            words = (f"{parent} " if parent else "")
            did = f" (did you mean '{words}{hint[0]}'?)" if hint else f" (choose from {', '.join(names)})"
            raise argparse.ArgumentError(None, f"unknown command '{words}{value}'{did}")
        did = f"; did you mean {hint[0]!r}?" if hint else ""
        raise argparse.ArgumentError(action, f"invalid choice {value!r} (choose from {', '.join(names)}){did}")


def make_trainer(exp, **kwargs):  # type: ignore[no-untyped-def]  # lazy imports keep --help light
    """:func:`tuinn.training.run.make_trainer`, imported when a command runs."""
    from tuinn.training.run import make_trainer as make

    return make(exp, **kwargs)


def _step_compare(exp, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    """Run the same step on both engines and print the largest differences per term."""
    import json

    from tuinn.teaching.compare import compare

    traces = []
    for backend in ("numpy", "torch"):
        trainer = make_trainer(exp, backend=backend, device=args.device if backend == "torch" else None)
        batches = trainer.epoch_batches()
        if not 1 <= args.batch <= len(batches):
            raise TuinnError(f"--batch {args.batch}: the training data of {exp.name} has {len(batches)} batch(es) in an epoch")
        traces.append(trainer.traced_step(batches[args.batch - 1]))
        device = trainer.model.device
    rows = compare(*traces)
    if args.json:
        json.dump({"backends": ["numpy", f"torch ({device})"], "differences": [
            {"term": r.term, "layer": r.layer, "abs": r.abs, "rel": r.rel} for r in rows]}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(f"tuinn step --compare · {exp.name} · batch {args.batch} · {exp.train.dtype} · NumPy engine vs torch autograd ({device})")
    print(f"{'term':<14}{'layer':>6}{'max |Δ|':>14}{'max |Δ| / max|x|':>20}")
    for r in rows:
        print(f"{r.term:<14}{'' if r.layer is None else r.layer:>6}{r.abs:>14.3e}{r.rel:>20.3e}")
    worst = max(rows, key=lambda r: r.rel)
    print(f"largest: {worst.term}" + (f" (layer {worst.layer})" if worst.layer else "") + f": {worst.abs:.3e} absolute, {worst.rel:.3e} relative")
    return 0


def _cmd_play(args: argparse.Namespace) -> int:
    """Open the playground: the session is built once, here (a bad file fails with one line
    before the screen opens), and handed to the app.

    The cyclic garbage collector is off until the first frame is drawn (the app turns it on
    again, :meth:`~tuinn.tui.app.TuinnApp.on_ready`): the imports alone leave ~90 000 objects
    for it to track and under a thousand of them garbage, and its few hundred passes over them
    were ~12 % of the time to the first frame (benchmarks/startup.py). ``finally`` turns it on whatever happens.
    """
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        return _open_playground(args)
    finally:
        if collecting:
            gc.enable()


def _open_playground(args: argparse.Namespace) -> int:
    from tuinn.config.experiments import resolve
    from tuinn.config.spec import loads
    from tuinn.errors import ConfigError, attach_source

    view = None
    if args.from_url is not None:
        from tuinn.config.tf_playground import parse_url

        if args.config is not None:
            raise UsageError(f"give an experiment ({args.config!r}) or --from-url, not both")
        view = parse_url(args.from_url)
        exp = view.experiment
    else:
        text, source = resolve(args.config or "playground")
        exp = loads(text, source)
    from tuinn.session.playground import Playground

    try:
        playground = Playground(exp)  # a bad file fails with one line, before the screen opens
    except ConfigError as exc:
        raise attach_source(exc, exp.source) from None
    from tuinn.tui.app import TuinnApp
    from tuinn.tui.runner import run_app

    app = TuinnApp(exp, autoplay=args.play, playground=playground)
    if view is not None:  # the link's view toggles (the Playground hides test points by default)
        app.playground_screen.show_test, app.playground_screen.discretize = view.show_test, view.discretize
    run_app(app)  # a crash of the app: exit 1
    return 0


def _cmd_step(args: argparse.Namespace) -> int:
    import json

    from tuinn.config.experiments import resolve
    from tuinn.config.spec import loads
    from tuinn.teaching.walkthrough import render_plain

    if not 1 <= args.digits <= 17:
        raise TuinnError(f"--digits {args.digits}: must be between 1 and 17")
    text, source = resolve(args.config)
    exp = loads(text, source)
    if args.compare:
        return _step_compare(exp, args)
    trainer = make_trainer(exp, backend=args.backend, device=args.device)
    if not args.plain and not args.json and sys.stdout.isatty() and args.batch == 1:
        # No format asked for, on a terminal: the step-through mode.
        from tuinn.tui.runner import run_app
        from tuinn.tui.step_app import StepApp

        run_app(StepApp(exp, trainer=trainer, digits=args.digits))  # a crash of the app: exit 1
        return 0
    batches = trainer.epoch_batches()
    if not 1 <= args.batch <= len(batches):
        raise TuinnError(f"--batch {args.batch}: the training data of {exp.name} has {len(batches)} batch(es) in an epoch")
    trace = trainer.traced_step(batches[args.batch - 1])
    if args.json:
        json.dump(trace.to_json(), sys.stdout)
        sys.stdout.write("\n")
        return 0
    header = (
        f"tuinn step · {exp.name} · batch {args.batch} of {len(batches)} · "
        f"{exp.train.loss} · {exp.train.optimizer} · {exp.train.dtype} · {trainer.model.name} on {trainer.model.device}"
    )
    print(render_plain(trace, digits=args.digits, header=header))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from tuinn.config.experiments import builtin_names
    parser = Parser(
        prog="tuinn",
        description="See a neural network learn, in the terminal, with the math on screen.",
        epilog=f"Built-in experiments (usable wherever CONFIG is asked): {', '.join(builtin_names())}.",
    )
    parser.add_argument("--version", action="version", version=f"tuinn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    play = sub.add_parser(
        "play",
        help="the playground (the default: `tuinn` and `tuinn EXPERIMENT.toml` open it)",
        description="Open the interactive playground on an experiment (default: TensorFlow Playground's).",
    )
    play.add_argument("config", nargs="?", metavar="CONFIG", help="experiment TOML file or built-in name (default: playground)")
    play.add_argument("--play", action="store_true", help="start training right away")
    play.add_argument("--from-url", metavar="URL", help="the experiment of a TensorFlow Playground link "
                      "('https://playground.tensorflow.org/#activation=tanh&…', quoted)")
    play.set_defaults(func=_cmd_play)

    step = sub.add_parser(
        "step",
        help="one training step, every chain-rule term: the step-through mode, or --plain / --json",
        description=(
            "Run one training step (forward, loss, backward, update) on a batch of the "
            "training data and show every term in the lecture's notation."
        ),
    )
    step.add_argument("config", nargs="?", default="backprop", metavar="CONFIG",
                      help="experiment TOML file or built-in name (default: backprop, the 2-2-2 worked example)")
    fmt = step.add_mutually_exclusive_group()
    fmt.add_argument("--plain", action="store_true", help="readable walk-through (the default when stdout is not a terminal)")
    fmt.add_argument("--json", action="store_true", help="one JSON object with every term, full precision")
    step.add_argument("--batch", type=int, default=1, metavar="N", help="which batch of the first epoch (from 1; default 1)")
    step.add_argument("--digits", type=int, default=6, metavar="D", help="significant digits in --plain and the step-through (default 6)")
    step.add_argument("--backend", choices=("numpy", "torch"), help="take the terms from this backend (default: the experiment's)")
    step.add_argument("--device", metavar="DEV", help="torch device: cpu, cuda, auto (default: the experiment's)")
    step.add_argument("--compare", action="store_true", help="run the step on both engines and print the differences per term")
    step.set_defaults(func=_cmd_step)

    train = sub.add_parser(
        "train",
        help="train headless from an experiment file: progress, logs, checkpoints, k-fold, JSON",
        description="Train an experiment headless. Writes config.toml, metrics.jsonl, model.safetensors and results.json to a run folder.",
    )
    train.add_argument("config", nargs="?", metavar="CONFIG", help="experiment TOML file or built-in name")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a spec value, e.g. --set train.learning_rate=0.1 (repeatable)")
    train.add_argument("--epochs", type=_positive, metavar="N", help="number of epochs (overrides train.epochs)")
    train.add_argument("--kfold", type=_positive, metavar="K", help="stratified K-fold cross-validation first (overrides train.kfold)")
    train.add_argument("--nproc", type=_positive, metavar="N",
                       help="train on N processes of this machine (torch backend; runs torchrun's launcher, see README 'Many machines')")
    train.add_argument("--out", metavar="DIR", help="run folder (default runs/<name>-<timestamp>); must be new or empty")
    train.add_argument("--resume", metavar="DIR", help="continue an interrupted run from its folder")
    train.add_argument("--json", action="store_true", help="last line of stdout: one JSON object with the results")
    train.add_argument("--quiet", action="store_true", help="no progress bar and no per-epoch lines")
    train.add_argument("--metrics", choices=("basic", "all"), default="basic",
                       help="per epoch in metrics.jsonl: basic = loss and accuracy (default), all = the full report; "
                            "results.json always has the full report")
    train.set_defaults(func=_cmd_train)

    ev = sub.add_parser("eval", help="metrics of a saved model", description="Metrics of a saved model per split, or on other data.")
    ev.add_argument("run", metavar="RUN_DIR_OR_CHECKPOINT")
    ev.add_argument("--data", metavar="CONFIG_OR_CSV", help="evaluate on this data instead (an experiment's [data] or a CSV file)")
    ev.add_argument("--threshold", type=float, default=0.5, metavar="T",
                    help="a binary model predicts class 1 when its score is >= T (default 0.5)")
    ev.add_argument("--latent", type=int, metavar="LAYER",
                    help="add the 2-D PCA coordinates of LAYER's activations (0 = inputs, 1 = first layer, ...)")
    ev.add_argument("--json", action="store_true", help="one JSON object on stdout (with the ROC points per split)")
    ev.set_defaults(func=_cmd_eval)

    ins = sub.add_parser("insight", help="which inputs matter, across independently trained models",
                         description="Train N models that differ only in their seed (same data and split) and rank the inputs "
                                     "of each by first-layer |W| and by mean |dy/dx| (gradient); report how much the rankings agree.")
    ins.add_argument("config", metavar="EXPERIMENT", help="a TOML file or a built-in experiment name")
    ins.add_argument("--seeds", type=_positive, default=5, metavar="N", help="number of models (seeds seed, seed+1, ...; default 5)")
    ins.add_argument("--epochs", type=_positive, metavar="N", help="epochs per model (default: train.epochs)")
    ins.add_argument("--top", type=_positive, default=3, metavar="K", help="compare the top K inputs (default 3)")
    ins.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a spec value, e.g. train.epochs=20")
    ins.add_argument("--json", action="store_true", help="one JSON object on stdout")
    ins.set_defaults(func=_cmd_insight)

    lab = sub.add_parser("lab", help="a concept lab: neuron, activations, linear-collapse, learning-rate, overfitting",
                         description="Open a concept lab, one idea of the lecture on one screen ('tuinn lab list' lists them).")
    lab.add_argument("name", metavar="NAME", help="lab name, or 'list'")
    lab.set_defaults(func=_cmd_lab)

    lesson = sub.add_parser("lesson", help="the lecture in order: 'tuinn lesson list', 'tuinn lesson N'",
                            description="Open lesson N (a short text and a preset showing only what it needs); "
                                        "'>' and '<' move to the next and previous lesson.")
    lesson.add_argument("which", metavar="N", help="lesson number, or 'list'")
    lesson.set_defaults(func=_cmd_lesson)

    ex = sub.add_parser("export", help="a saved model as a standalone PyTorch module",
                        description="Write model.py (a readable nn.Module) and state_dict.pt.")
    ex.add_argument("run", metavar="RUN_DIR_OR_CHECKPOINT")
    ex.add_argument("--torch", required=True, metavar="DIR", help="folder for model.py and state_dict.pt")
    ex.add_argument("--dtype", choices=("float32", "float64"), help="dtype of the exported weights (default: the run's)")
    ex.set_defaults(func=_cmd_export)

    doc = sub.add_parser("doctor", help="versions, CUDA, and what backend auto would pick", description="What tuinn runs on here.")
    doc.set_defaults(func=_cmd_doctor)

    data = sub.add_parser("data", help="list, show and fetch datasets", description="Synthetic and registered datasets.")
    dsub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    dsub.add_parser("list", help="every data source").set_defaults(func=_cmd_data_list)
    show = dsub.add_parser("show", help="rows, columns, class counts, per-column statistics")
    show.add_argument("name", metavar="NAME")
    show.set_defaults(func=_cmd_data_show)
    fetch = dsub.add_parser("fetch", help="download a registered dataset into the user cache and validate it")
    fetch.add_argument("name", metavar="NAME")
    fetch.set_defaults(func=_cmd_data_fetch)
    from tuinn.cli.serve import add_parser as add_serve  # argparse only; the server is imported when it runs

    add_serve(sub)
    from tuinn.cli.sweep import add_parser as add_sweep  # argparse only; the sweep is imported when it runs

    add_sweep(sub)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


def _cmd_train(args: argparse.Namespace) -> int:
    from tuinn.cli.train import train_command

    return train_command(args)


def _cmd_eval(args: argparse.Namespace) -> int:
    from tuinn.cli.eval import eval_command

    return eval_command(args)


def _cmd_insight(args: argparse.Namespace) -> int:
    from tuinn.cli.insight import insight_command

    return insight_command(args)


def _cmd_lab(args: argparse.Namespace) -> int:
    from tuinn.cli.lessons import lab_command

    return lab_command(args.name)


def _cmd_lesson(args: argparse.Namespace) -> int:
    from tuinn.cli.lessons import lesson_command

    return lesson_command(args.which)


def _cmd_export(args: argparse.Namespace) -> int:
    from tuinn.training.export import export

    out = export(args.run, args.torch, args.dtype)
    print(f"wrote {out / 'model.py'} and {out / 'state_dict.pt'}")
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from tuinn.cli.doctor import doctor

    return doctor()


def _cmd_data_list(args: argparse.Namespace) -> int:
    from tuinn.cli.data import data_list

    return data_list()


def _cmd_data_show(args: argparse.Namespace) -> int:
    from tuinn.cli.data import data_show

    return data_show(args.name)


def _cmd_data_fetch(args: argparse.Namespace) -> int:
    from tuinn.cli.data import data_fetch

    return data_fetch(args.name)


COMMANDS = ("play", "step", "train", "eval", "insight", "lab", "lesson", "export", "doctor", "data", "serve", "sweep")


def mistyped_command(word: str) -> str | None:
    """The command ``word`` was probably meant to be, or None when it may be an experiment.

    Why: ``tuinn WORD`` opens the playground on the experiment WORD, so ``tuinn trian``
    would otherwise report a missing experiment file. A word that names an existing file
    or a built-in experiment is always an experiment; one that looks like a path or a
    file name (a dot, a slash) is never taken for a command.
    """
    import re

    from tuinn.config.experiments import builtin_names

    if not re.fullmatch(r"[A-Za-z][A-Za-z_-]*", word) or word in builtin_names():
        return None
    try:
        if Path(word).exists():
            return None
    except (OSError, ValueError):
        return None
    hint = difflib.get_close_matches(word, COMMANDS, n=1)
    return hint[0] if hint else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        if argv and argv[0].startswith("-") and argv[0] not in ("-", "--", "-h") and not any(
            len(argv[0]) > 2 and option.startswith(argv[0]) for option in ("--help", "--version")
        ):
            # argparse would only say that COMMAND is missing; the option is what is wrong.
            raise UsageError(f"unknown option {argv[0]!r}: options come after the command, e.g. tuinn train CONFIG --epochs 5 (see 'tuinn --help')")
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
            if argv and (meant := mistyped_command(argv[0])):
                raise UsageError(f"unknown command {argv[0]!r} (did you mean {meant!r}?)")
            argv = ["play", *argv]  # `tuinn` and `tuinn EXPERIMENT.toml` open the playground
        args = parser.parse_args(argv)
        return int(args.func(args))
    except TuinnError as exc:
        print(f"tuinn: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_USAGE)
    except KeyboardInterrupt:
        return 130
    except PermissionError as exc:
        # e.g. a path inside a folder we may not enter: Path.exists() raises on 3.11.
        print(f"tuinn: error: {exc.filename or ''}: permission denied", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): not an error of ours.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
