"""Helpers of the bridge tests: bounded waits, a ROS-side tester node, child process env."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[4]


def wait_for(pred: Callable[[], T], timeout_s: float, what: str, poll_s: float = 0.01) -> T:
    """Poll `pred` until it returns a truthy value; fail naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(poll_s)


def result(future: Any, timeout_s: float, what: str) -> Any:
    """The result of an rclpy future, waited for with a bound."""
    wait_for(future.done, timeout_s, what)
    return future.result()


def ros_env(domain: str | None = None) -> dict[str, str]:
    """Environment for a child ROS process: loopback discovery, this run's (or a given)
    domain, and without the wheels' bootstrap guard (the child must re-execute itself)."""
    env = dict(os.environ)
    env.pop("_ROS_WHEELS_BOOTSTRAP_COMPLETE", None)
    env["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    env["ROS_DOMAIN_ID"] = domain or os.environ["ROS_DOMAIN_ID"]
    env["PYTHONUNBUFFERED"] = "1"
    return env


def venv_bin(name: str) -> str:
    """A console script beside the running interpreter (the project's .venv)."""
    return str(Path(sys.executable).with_name(name))


class Collector:
    """Messages of one topic with their arrival times (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[tuple[float, Any]] = []

        self.arrivals_ns: list[int] = []  # wall-clock (ROS time) arrival of each message

    def __call__(self, msg: Any) -> None:
        with self.lock:
            self.items.append((time.monotonic(), msg))
            self.arrivals_ns.append(time.time_ns())

    def since_with_arrival(self, t: float) -> list[tuple[int, Any]]:
        with self.lock:
            return [
                (ns, m) for (at, m), ns in zip(self.items, self.arrivals_ns, strict=True) if at >= t
            ]

    def since(self, t: float) -> list[Any]:
        with self.lock:
            return [m for at, m in self.items if at >= t]

    def last(self) -> Any:
        with self.lock:
            return self.items[-1][1] if self.items else None

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.arrivals_ns.clear()


class Spinning:
    """A ROS context of its own with an executor spinning its nodes on a thread.

    close() stops the executor and waits for its thread before it destroys the nodes and
    shuts the context down: in the other order the spinning thread can wait on a context
    already shut down and die with RCLError.
    """

    def __init__(self, threads: int = 0) -> None:
        import rclpy
        from rclpy.executors import Executor, MultiThreadedExecutor, SingleThreadedExecutor

        self.context = rclpy.Context()
        rclpy.init(context=self.context)
        self.executor: Executor = (
            MultiThreadedExecutor(num_threads=threads, context=self.context)
            if threads
            else SingleThreadedExecutor(context=self.context)
        )
        self.nodes: list[Any] = []
        self._thread: threading.Thread | None = None

    def node(self, name: str) -> Any:
        """A new rclpy Node in this context, spun by the executor."""
        from rclpy.node import Node

        return self.add(Node(name, context=self.context))

    def add(self, node: T) -> T:
        self.executor.add_node(node)  # type: ignore[arg-type]
        self.nodes.append(node)
        return node

    def start(self) -> None:
        self._thread = threading.Thread(target=self.executor.spin, daemon=True)
        self._thread.start()

    def close(self) -> None:
        import rclpy

        self.executor.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        for node in reversed(self.nodes):
            node.destroy_node()
        rclpy.try_shutdown(context=self.context)
