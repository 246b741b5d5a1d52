"""The background-job mechanism (tuinn.tui.jobs) on a bare host: typed messages from the worker,
queued progress replaced by newer progress, items, the result, a failure, and the messages of a
cancelled or superseded job dropped. The screens that use it are tested in test_evaluate.py,
test_weights_insight.py and test_latent.py."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar

from tuinn.tui.jobs import BackgroundJob, JobDone, JobItem, JobProgress, JobReport


class Host(BackgroundJob, Vertical):
    JOB_PROGRESS = "#bar"

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Any] = []
        self.results: list[Any] = []
        self.failures: list[str] = []
        self.changes: list[str] = []
        self.progress_seen: list[int] = []

    def compose(self) -> ComposeResult:
        yield ProgressBar(total=1, id="bar")

    def on_job_progress(self, message: JobProgress) -> None:
        self.progress_seen.append(message.done)
        super().on_job_progress(message)

    def job_item(self, item: Any) -> None:
        self.items.append(item)

    def job_done(self, result: Any) -> None:
        self.results.append(result)

    def job_failed(self, exception: BaseException) -> None:
        self.failures.append(type(exception).__name__)

    def job_changed(self) -> None:
        self.changes.append(self.state)


class JobApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Host()


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coro)


def test_progress_replaces_only_progress_of_the_same_job() -> None:
    assert JobProgress(1, 5).can_replace(JobProgress(1, 6))
    assert not JobProgress(1, 5).can_replace(JobProgress(2, 6))
    assert not JobProgress(1, 5).can_replace(JobItem(1, "fold", 6))
    assert not JobItem(1, "fold", 5).can_replace(JobItem(1, "fold", 6))  # every partial result is shown
    assert not JobProgress(1, 5).bubble  # the host handles its own job; its parents never see it


def test_a_job_posts_items_progress_and_its_result() -> None:
    async def go() -> None:
        app = JobApp()
        async with app.run_test() as pilot:
            host = app.query_one(Host)

            def work(report: JobReport) -> str:
                for fold in range(3):
                    for _ in range(4):
                        report.epoch()
                    report.item(f"fold {fold}")
                return "summary"

            host.start_job(work, total=12)
            assert host.running and host.changes == ["running"]
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert host.state == "done" and host.items == ["fold 0", "fold 1", "fold 2"] and host.results == ["summary"]
            assert host.changes == ["running", "running", "running", "running", "done"]
            bar = host.query_one(ProgressBar)
            assert bar.total == 12 and bar.progress == 12
    run(go())


def test_a_failing_job_says_why_and_an_unlisted_error_is_not_swallowed_as_a_result() -> None:
    async def go() -> None:
        app = JobApp()
        async with app.run_test() as pilot:
            host = app.query_one(Host)

            def work(report: JobReport) -> None:
                report.epoch()
                raise ValueError("K too large")

            host.start_job(work)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert host.state == "failed" and host.error == "K too large" and host.failures == ["ValueError"]
            assert host.results == []
    run(go())


def test_queued_progress_is_handled_once() -> None:
    async def go() -> None:
        app = JobApp()
        async with app.run_test() as pilot:
            host = app.query_one(Host)
            host.state, host.job, host.total = "running", 7, 100
            for done in range(1, 51):  # queued while the UI is busy (here: this coroutine)
                host.post_message(JobProgress(7, done))
            await pilot.pause()
            assert host.progress_seen == [50]
            assert host.query_one(ProgressBar).progress == 50
    run(go())


def test_a_cancelled_or_superseded_job_reports_nothing_more() -> None:
    async def go() -> None:
        app = JobApp()
        async with app.run_test() as pilot:
            host = app.query_one(Host)
            started, release, ended = threading.Event(), threading.Event(), threading.Event()

            def slow(report: JobReport) -> str:
                started.set()
                try:
                    release.wait(5)
                    report.item("late item")  # the cancelled job stops here
                    return "late result"
                finally:
                    ended.set()

            host.start_job(slow)
            first = host.job
            assert await asyncio.to_thread(started.wait, 5)
            host.cancel_job()
            assert host.state == "cancelled" and host.changes == ["running", "cancelled"]
            release.set()
            assert await asyncio.to_thread(ended.wait, 5)  # the thread of a cancelled worker runs on to its next check
            await pilot.pause()
            assert host.state == "cancelled" and host.items == [] and host.results == []

            # A message of an older job that arrives while a newer one runs is dropped too.
            hold = threading.Event()
            host.start_job(lambda report: hold.wait(5) and "second")
            host.post_message(JobDone(first, "stale"))
            await pilot.pause()
            assert host.running and host.results == []
            hold.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert host.state == "done" and host.results == ["second"]
    run(go())
