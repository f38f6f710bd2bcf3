"""Background work: media and profile fetches (and later sends), run outside requests."""

from inbox.jobs.queue import GiveUp, RetryLater, enqueue, enqueued_together, handles
from inbox.jobs.runner import run_due_jobs, run_job
from inbox.jobs.worker import InProcessWorker, init_app, start_worker

__all__ = [
    "GiveUp",
    "InProcessWorker",
    "RetryLater",
    "enqueue",
    "enqueued_together",
    "handles",
    "init_app",
    "run_due_jobs",
    "run_job",
    "start_worker",
]
