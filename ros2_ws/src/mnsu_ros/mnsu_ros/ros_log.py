"""The bridge's lines on the ROS log: the session's Python records, the board's LOG frames and
the safety transitions, each at its level (rclpy only for the logger)."""

from __future__ import annotations

import logging
from typing import Any

from rclpy.node import Node

from mnsu import link as mlink
from mnsu_ros import diagnostics as diag
from mnsu_ros.safety import Transition


class RosLogHandler(logging.Handler):
    """The session's Python log records on the node's ROS logger (/rosout, console)."""

    def __init__(self, node: Node) -> None:
        super().__init__(logging.INFO)
        self.logger = node.get_logger()

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        if record.levelno >= logging.ERROR:
            self.logger.error(text)
        elif record.levelno >= logging.WARNING:
            self.logger.warning(text)
        else:
            self.logger.info(text)


def forward_logging(node: Node) -> None:
    """Route the `mnsu_ros` Python logger (session, virtual board) to `node`'s ROS logger."""
    logger = logging.getLogger("mnsu_ros")
    for h in list(logger.handlers):
        if isinstance(h, RosLogHandler):
            logger.removeHandler(h)
    logger.addHandler(RosLogHandler(node))
    logger.setLevel(logging.INFO)
    logger.propagate = False


def log_transitions(log: Any, transitions: list[Transition]) -> None:
    """Each safety transition once on the ROS log, at its level."""
    for tr in transitions:
        if tr.level >= diag.ERROR:
            log.error(tr.text)
        elif tr.level >= diag.WARN:
            log.warning(tr.text)
        else:
            log.info(tr.text)


def log_board_line(log: Any, line: mlink.LogLine) -> None:
    """A firmware LOG frame on the ROS log at its level (codec.LOG_*: Python's levels)."""
    text = f"board: {line.text}"
    if line.level >= logging.ERROR:
        log.error(text)
    elif line.level >= logging.WARNING:
        log.warning(text)
    elif line.level >= logging.INFO:
        log.info(text)
    else:
        log.debug(text)
