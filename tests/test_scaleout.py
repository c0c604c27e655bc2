"""mnsu sweep and mnsu mismatch on a Dask cluster: a LocalCluster on loopback (two in-process
workers over TCP) gives results identical to the local run for the same seeds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mnsu.scaleout import Where, batches, run_tasks

distributed = pytest.importorskip("distributed")

from mnsu.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a loopback-only cluster: two worker threads, TCP, no dashboard."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = str(cluster.scheduler_address)
        assert address.startswith("tcp://127.0.0.1:")
        yield address


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main([*argv, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_mismatch_on_dask_equals_the_local_run(
    examples: Path, scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["mismatch", str(examples / "hco.yaml"), "--tolerance", "C=5%,V_th=2%,W=5%"]
    argv += ["--runs", "40", "--duration", "3", "--seed", "7", "--dist", "gauss"]
    local = run_json(capsys, *argv, "--jobs", "2")
    dask = run_json(capsys, *argv, "--scheduler", scheduler)
    assert local["executor"] == {"kind": "local", "workers": 2, "scheduler": None}
    assert dask["executor"] == {"kind": "dask", "workers": 2, "scheduler": scheduler}
    for key in ("nominal", "neurons", "phase_lag", "regimes", "keeps_rhythm", "refused"):
        assert dask[key] == local[key], key
    assert local["neurons"]["A"]["burst_period_s"]["std"] > 0  # the draws did something


def test_mismatch_runs_on_dask_equal_local_runs_one_by_one(examples: Path, scheduler: str) -> None:
    from mnsu.analysis.mismatch import check_plan, parse_tolerances, run_one
    from mnsu.circuit.board import load_board

    board = load_board(examples / "leg.yaml")
    plan = check_plan(board, parse_tolerances("C=5%,I_bias=3%"), 24, "uniform", 3, 2.0, 0.5, None)
    tasks = [(plan, k) for k in range(24)]
    serial, _ = run_tasks(run_one, tasks, 1)
    remote, where = run_tasks(run_one, tasks, 1, scheduler)
    assert where == Where("dask", 2, scheduler)
    assert remote == serial


def test_sweep_on_dask_equals_the_local_run(
    examples: Path, scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sweep", str(examples / "lif.yaml"), "--param", "neurons.U.I_bias=100uA:1.2mA:12"]
    argv += ["--param", "neurons.U.C=0.5uF:1.5uF:3", "--duration", "1", "--transient", "0.3"]
    local = run_json(capsys, *argv, "--jobs", "2")
    dask = run_json(capsys, *argv, "--scheduler", scheduler)
    assert dask["points"] == local["points"] and dask["map"] == local["map"]
    assert dask["executor"]["kind"] == "dask" and local["executor"]["kind"] == "local"
    assert {"silent", "tonic", "fast", "latched"} <= set(local["counts"])


def test_batches_cover_every_task_once() -> None:
    for n in (1, 7, 64, 1000):
        for workers in (1, 2, 5):
            parts = batches(list(range(n)), workers)
            flat = [t for b in parts for t in b.tasks]
            assert flat == list(range(n))
            assert all(b.tasks[0] == b.start for b in parts)
            assert len(parts) <= workers * 8
