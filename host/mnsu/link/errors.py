"""The link's exceptions: each message says what failed and on which port."""

from __future__ import annotations

from mnsu.parameters import ParamError as _TableParamError


class LinkError(RuntimeError):
    """Base class of link failures; the message says what and where."""


class LinkTimeout(LinkError):
    """The board did not answer within the time given."""


class ProtocolVersionError(LinkError):
    """The board speaks another protocol version than this host."""


class ParamTableError(LinkError):
    """The board's parameter table differs from the one this host was built with."""


class ParamError(LinkError, _TableParamError):
    """A parameter name or value refused (by the host table check or by the board's NACK)."""


class CommandRefused(LinkError):
    """The board answered NACK; `error` is the codec's ERR_* code."""

    def __init__(self, message: str, error: int, detail: int) -> None:
        super().__init__(message)
        self.error = error
        self.detail = detail


class Disconnected(LinkError):
    """The port is gone (the link is reconnecting) or the link is closed."""
