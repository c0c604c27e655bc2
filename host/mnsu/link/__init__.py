"""Host side of the mnsu serial link (docs/link.md): the public names of the link package.

errors (exceptions), decoder (bytes -> frames -> messages, statistics), subscription
(message queues), recording (record and replay a session), client (`Link`). The messages
themselves and their field scaling are `mnsu.protocol`; the parameter table `mnsu.parameters`.
"""

from mnsu.link.client import Link, check_param
from mnsu.link.decoder import Decoder, LinkStats
from mnsu.link.errors import (
    CommandRefused,
    Disconnected,
    LinkError,
    LinkTimeout,
    ParamError,
    ParamTableError,
    ProtocolVersionError,
)
from mnsu.link.recording import (
    RECORD_MAGIC,
    Recorder,
    Recording,
    load_recording,
    read_recording,
    replay,
)
from mnsu.link.subscription import Subscription
from mnsu.parameters import param_info
from mnsu.protocol import KINDS, MODES, Caps, Connection, Event, LogLine, Message, Telemetry

__all__ = [
    "LinkError",
    "LinkTimeout",
    "ProtocolVersionError",
    "ParamTableError",
    "ParamError",
    "CommandRefused",
    "Disconnected",
    "Caps",
    "Telemetry",
    "Event",
    "LogLine",
    "Connection",
    "Message",
    "KINDS",
    "LinkStats",
    "Subscription",
    "RECORD_MAGIC",
    "Recorder",
    "read_recording",
    "load_recording",
    "Recording",
    "Decoder",
    "replay",
    "param_info",
    "check_param",
    "MODES",
    "Link",
]
