"""gunicorn settings for metrics from every worker: `gunicorn -c python:portal.gunicorn ...`.

With PROMETHEUS_MULTIPROC_DIR set, each worker process writes its request counters to files in
that folder and /metrics adds them up; a worker that exits is marked dead so its live gauges
stop counting (its counters stay in the totals, as Prometheus expects).
"""

import os

from prometheus_client import multiprocess


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
