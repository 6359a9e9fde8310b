"""Executors: run a sweep's configs and yield (index, row) as each run finishes, in any order.

serial: in this process, one after another (the app: one trainer slot). local: a process pool
(spawn, one torch thread per worker). ray: one Ray task per run, on a cluster or a local Ray.
A row is None when `stop` ended that run early; an exception becomes a row with status "error"."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from rnnviz.config import RunConfig
from rnnviz.sweeps.grid import config_key
from rnnviz.sweeps.runner import one_thread, run_one
from rnnviz.sweeps.success import Criterion

Row = dict[str, Any] | None
Work = tuple[RunConfig, Criterion]  # a run and what counts as its success
RAY_ENV = "RNNVIZ_RAY_ADDRESS"
RAY_INSTALL = "pip install -r requirements-ray.txt  (or: pip install 'rnnviz[ray]')"
POLL_S = 0.2
BROKEN = ("executor: the worker processes died before finishing. In a script, call rnnviz.sweep under "
          "`if __name__ == '__main__':` (workers are spawned and import the script); else a worker "
          "ran out of memory. Finished runs are kept in the results file.")


def failed(cfg: RunConfig, err: BaseException) -> dict[str, Any]:
    """The row of a run that raised: kept in the returned table, never in the results file."""
    first = (str(err).strip().splitlines() or [type(err).__name__])[0]
    return {"key": config_key(cfg), "status": f"error: {first[:200]}", "success": False}


def serial(work: Sequence[Work], workers: int | None = None,
           stop: threading.Event | None = None) -> Iterator[tuple[int, Row]]:
    for i, (cfg, criterion) in enumerate(work):
        if stop is not None and stop.is_set():
            return
        try:
            yield i, run_one(cfg.to_dict(), criterion, stop)
        except Exception as err:  # one bad run must not lose the others
            yield i, failed(cfg, err)


_STOP: Any = None  # a worker's view of the driver's stop event (set by _init_worker)


def _init_worker(event: Any) -> None:
    global _STOP
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle: it sets `event`
    one_thread()
    _STOP = event


def _work(cfg: dict[str, Any], criterion: Criterion) -> Row:
    return run_one(cfg, criterion, _STOP)


def local(work: Sequence[Work], workers: int | None = None,
          stop: threading.Event | None = None) -> Iterator[tuple[int, Row]]:
    """A spawn process pool of `workers` (default: this machine's cores)."""
    context = multiprocessing.get_context("spawn")  # fork would copy torch's threads' locks
    event = context.Event()  # passed at start-up (initargs): the one way to share it with workers
    workers = workers or os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(event,)) as pool:
        futures: dict[Future, int] = {pool.submit(_work, cfg.to_dict(), criterion): i
                                      for i, (cfg, criterion) in enumerate(work)}
        pending = set(futures)
        try:
            while pending and not (stop is not None and stop.is_set()):
                done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for future in done:
                    i = futures[future]
                    try:
                        yield i, future.result()
                    except BrokenProcessPool:
                        raise RuntimeError(BROKEN) from None
                    except Exception as err:
                        yield i, failed(work[i][0], err)
        finally:  # stopped, interrupted or closed early: running runs end within a step, unsaved
            event.set()
            for future in pending:
                future.cancel()


def import_ray() -> Any:
    """The ray module, or a ValueError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise ValueError(f"executor: 'ray' asks for Ray, which is not installed here; {RAY_INSTALL}, "
                         "or use executor='local'") from None
    return ray


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """A ValueError now if nothing listens at a host:port address: ray.init would retry for minutes.
    ("auto" and other forms are Ray's to resolve; it fails fast when no local cluster runs.)"""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout_s).close()
    except OSError as err:
        raise ValueError(f"executor: cannot reach the Ray cluster at {address!r} ({err.strerror or err}); "
                         f"is `ray start --head` running there, and is the port open?") from None


def _ray_work(cfg: dict[str, Any], criterion: Criterion) -> Row:
    one_thread()
    return run_one(cfg, criterion)


def ray(work: Sequence[Work], workers: int | None = None,
        stop: threading.Event | None = None, address: str | None = None) -> Iterator[tuple[int, Row]]:
    """One Ray task (num_cpus=1) per run on the cluster at `address` (default: $RNNVIZ_RAY_ADDRESS),
    else on a local Ray of `workers` CPUs. An already initialised Ray is used as it is."""
    ray_module = import_ray()
    address = address or os.environ.get(RAY_ENV) or None
    started_here = not ray_module.is_initialized()
    if started_here:
        try:
            if address:
                check_reachable(address)
                ray_module.init(address=address, log_to_driver=False)
            else:
                ray_module.init(num_cpus=workers or os.cpu_count() or 1, include_dashboard=False,
                                log_to_driver=False)
        except ValueError:
            raise
        except Exception as err:  # ConnectionError, a timeout, a version mismatch...
            where = f"the Ray cluster at {address!r}" if address else "a local Ray"
            raise ValueError(f"executor: cannot start or reach {where}: {err}") from None
    task = ray_module.remote(num_cpus=1, max_retries=0)(_ray_work)
    refs = {task.remote(cfg.to_dict(), criterion): i for i, (cfg, criterion) in enumerate(work)}
    try:
        while refs and not (stop is not None and stop.is_set()):
            done, _ = ray_module.wait(list(refs), num_returns=1, timeout=POLL_S)
            for ref in done:
                i = refs.pop(ref)
                try:
                    yield i, ray_module.get(ref)
                except Exception as err:  # the task's exception, wrapped by Ray
                    yield i, failed(work[i][0], getattr(err, "cause", None) or err)
    finally:  # what is still running is cancelled: it leaves no row
        for ref in refs:
            ray_module.cancel(ref, force=True)
        if started_here:
            ray_module.shutdown()


EXECUTORS = {"serial": serial, "local": local, "ray": ray}
