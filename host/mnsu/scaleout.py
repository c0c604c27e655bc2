"""Independent jobs over the local cores or a Dask cluster, results in submission order.

`mnsu sweep` and `mnsu mismatch` hand a list of tasks and a module-level function to
`run_tasks`; every task carries everything its result depends on (the board mapping, the
values, the seeds), so a result does not depend on which worker runs it, in which order or in
which batch. Locally the tasks run in a process pool (`jobs` processes; 1: in this process);
with `scheduler` ("tcp://HOST:PORT") they run on the Dask cluster behind that scheduler
(dask.distributed, the optional `cluster` extra). Tasks go out in batches, a few per worker,
so the per-task overhead of either executor stays small beside a run of a few milliseconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mnsu import __version__
from mnsu.progress import Progress

T = TypeVar("T")
R = TypeVar("R")

BATCHES_PER_WORKER = 8  # enough to balance uneven runs, few enough to keep overhead small
CONNECT_TIMEOUT_S = 10.0
_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


class ScaleOutError(RuntimeError):
    """A cluster that cannot be used (bad address, unreachable, dask missing, other mnsu)."""


@dataclass(frozen=True)
class Where:
    """Where the tasks ran: "local" with `workers` processes, or "dask" at `scheduler`."""

    kind: str
    workers: int
    scheduler: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers, "scheduler": self.scheduler}

    def describe(self) -> str:
        if self.kind == "dask":
            return f"{self.workers} Dask worker threads at {self.scheduler}"
        return f"{self.workers} local process{'es' if self.workers != 1 else ''}"


@dataclass(frozen=True)
class _Batch(Generic[T]):
    start: int  # index of the first task
    tasks: tuple[T, ...]


def run_batch(func: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
    """Run one batch of tasks in order (on a worker)."""
    return [func(task) for task in tasks]


def worker_version() -> str:
    """The mnsu version a worker imports (checked against this one before any task)."""
    return __version__


def check_scheduler(address: str) -> str:
    """The address if it has the form tcp://HOST:PORT (or tls://), else ScaleOutError."""
    match = _ADDRESS.match(address.strip())
    if match is None or not 0 < int(match.group(3)) < 65536:
        raise ScaleOutError(
            f"--scheduler {address!r}: expected tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
        )
    return address.strip()


def batches(tasks: Sequence[T], workers: int) -> list[_Batch[T]]:
    """Consecutive batches, about BATCHES_PER_WORKER per worker."""
    size = max(1, math.ceil(len(tasks) / (max(workers, 1) * BATCHES_PER_WORKER)))
    return [_Batch(k, tuple(tasks[k : k + size])) for k in range(0, len(tasks), size)]


def run_tasks(
    func: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int,
    scheduler: str | None = None,
    label: str = "run",
    unit: str = "runs",
) -> tuple[list[R], Where]:
    """func(task) for every task, in the order of `tasks`, with a progress bar on stderr.

    `func` must be a module-level function (it is pickled by name) and each task picklable.
    """
    progress = Progress(label, len(tasks), unit=unit)
    results: list[R | None] = [None] * len(tasks)
    try:
        if scheduler is not None:
            where = _run_dask(func, tasks, scheduler, results, progress)
        else:
            where = _run_local(func, tasks, jobs, results, progress)
    finally:
        progress.close()
    return [r for r in results if r is not None], where


def _run_local(
    func: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int,
    results: list[R | None],
    progress: Progress,
) -> Where:
    if jobs < 1:
        raise ScaleOutError(f"--jobs must be >= 1, got {jobs}")
    workers = min(jobs, len(tasks)) or 1
    if workers == 1:
        for n, task in enumerate(tasks):
            results[n] = func(task)
            progress.update(n + 1)
        return Where("local", 1)
    done = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures: dict[Future[list[R]], _Batch[T]] = {
            pool.submit(run_batch, func, batch.tasks): batch for batch in batches(tasks, workers)
        }
        for future in as_completed(futures):
            done += _store(futures[future], future.result(), results)
            progress.update(done)
    return Where("local", workers)


def _store(batch: _Batch[Any], values: Sequence[Any], results: list[Any]) -> int:
    for k, value in enumerate(values):
        results[batch.start + k] = value
    return len(values)


def _run_dask(
    func: Callable[[T], R],
    tasks: Sequence[T],
    scheduler: str,
    results: list[R | None],
    progress: Progress,
) -> Where:
    address = check_scheduler(scheduler)
    with _connect(address) as client:
        versions = client.run(worker_version)
        if not versions:
            raise ScaleOutError(f"--scheduler {address}: the cluster has no workers")
        for worker, version in sorted(versions.items()):
            if version != __version__:
                raise ScaleOutError(
                    f"--scheduler {address}: worker {worker} runs mnsu {version}, this is "
                    f"mnsu {__version__}; install the same version on every worker"
                )
        threads = sum(int(n) for n in client.nthreads().values())
        from distributed import as_completed as dask_completed

        parts = batches(tasks, threads)
        futures = [client.submit(run_batch, func, b.tasks, pure=False) for b in parts]
        owner = {f.key: b for f, b in zip(futures, parts, strict=True)}
        done = 0
        for future in dask_completed(futures, loop=client.loop):  # type: ignore[no-untyped-call]
            done += _store(owner[future.key], future.result(), results)
            progress.update(done)
    return Where("dask", threads, address)


class _connect:
    """A distributed.Client for the duration of a `with`, or a one-line ScaleOutError."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.client: Any = None

    def __enter__(self) -> Any:
        try:
            from distributed import Client
        except ImportError:
            raise ScaleOutError(
                "--scheduler needs dask.distributed: pip install 'mnsu[cluster]' "
                "(make venv installs it)"
            ) from None
        try:
            self.client = Client(  # type: ignore[no-untyped-call]
                self.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False
            )
        except (OSError, TimeoutError) as exc:
            why = " ".join(str(exc).split()) or type(exc).__name__
            raise ScaleOutError(f"--scheduler {self.address}: cannot connect: {why}") from None
        return self.client

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
