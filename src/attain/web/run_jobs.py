"""Runs started from the web app, calculated in a background thread so the page can show progress.

One worker: runs of the app queue behind each other, as the database would serialize their writes anyway.
A job remembers who started it, when, and how it ended (the run id, or the error that stopped it); jobs
live in the app process only, the runs themselves are in the database.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from fastapi import Request

from attain.app.runs.calculate import RunSummary, run_period
from attain.app.runs.engines import EngineKind
from attain.app.runs.ports import PayStore
from attain.domain.errors import AttainError
from attain.web.deps import get_store

KEPT = 50  # finished jobs remembered per app


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass
class RunJob:
    id: str
    period: str
    actor: str
    queued_at: datetime
    status: JobStatus = JobStatus.QUEUED
    started_at: datetime | None = None
    finished_at: datetime | None = None
    summary: RunSummary | None = None
    error: str | None = None
    future: Future[None] | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    def seconds(self, now: datetime) -> float:
        start = self.started_at or self.queued_at
        return ((self.finished_at or now) - start).total_seconds()


class RunJobs:
    def __init__(self, store: PayStore) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attain-run")
        self._jobs: dict[str, RunJob] = {}
        self._lock = threading.Lock()

    def start(
        self,
        period: str,
        *,
        actor: str,
        people: Sequence[str] | None = None,
        engine: EngineKind | None = None,
        as_of: date | None = None,
    ) -> RunJob:
        job = RunJob(uuid.uuid4().hex, period.strip().upper(), actor, datetime.now(UTC))
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        job.future = self._pool.submit(self._run, job, people, engine, as_of)
        return job

    def _run(
        self, job: RunJob, people: Sequence[str] | None, engine: EngineKind | None, as_of: date | None
    ) -> None:
        job.status, job.started_at = JobStatus.RUNNING, datetime.now(UTC)
        try:
            job.summary = run_period(
                self._store, job.period, people=people, engine=engine, as_of=as_of, actor=job.actor
            )
            job.status = JobStatus.SUCCEEDED
        except AttainError as exc:
            job.error, job.status = exc.render(), JobStatus.FAILED
        except Exception as exc:
            job.error, job.status = f"the run stopped unexpectedly: {exc}", JobStatus.FAILED
        finally:
            job.finished_at = datetime.now(UTC)

    def get(self, job_id: str) -> RunJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def active(self) -> list[RunJob]:
        with self._lock:
            return [j for j in self._jobs.values() if not j.done]

    def wait(self, job_id: str, timeout: float | None = None) -> RunJob:
        """Block until the job ends (tests and scripts; pages poll instead)."""
        job = self._jobs[job_id]
        assert job.future is not None
        job.future.result(timeout)
        return job

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.done]
        for j in sorted(finished, key=lambda j: j.queued_at)[: max(0, len(finished) - KEPT)]:
            del self._jobs[j.id]


def run_jobs(request: Request) -> RunJobs:
    """The app's job runner, created on first use."""
    state = request.app.state
    jobs = getattr(state, "run_jobs", None)
    if not isinstance(jobs, RunJobs):
        with _CREATE:
            jobs = getattr(state, "run_jobs", None)
            if not isinstance(jobs, RunJobs):
                jobs = RunJobs(get_store(request))
                state.run_jobs = jobs
    return jobs


_CREATE = threading.Lock()
