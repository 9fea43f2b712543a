"""A watch MCU asks `tinychat serve --domain wearable` for a timer over a serial line, then waits for it to ring.

    python examples/watch_uart/run.py              # the watch simulated in Python (watch.py)
    python examples/watch_uart/run.py --firmware   # the watch is the C reference (firmware/host/link_demo)

The serial line is a pseudo-terminal pair: the assistant opens one end as it would /dev/ttyUSB0, the watch
talks on the other.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import tty
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from watch import LinkError, Watch  # noqa: E402

FIRMWARE = Path(__file__).parents[2] / "firmware"


def serve_on(port: str, state_dir: str) -> subprocess.Popen[bytes]:
    """`tinychat serve` on the serial port, in its own process, as on the appliance."""
    command = [sys.executable, "-m", "tinychat.cli", "serve", "--domain", "wearable", "--state", state_dir,
               "--serial", port]
    return subprocess.Popen(command)


def python_watch(question: str, lang: str | None, timeout: float, state_dir: str) -> int:
    master, slave = os.openpty()
    tty.setraw(slave)  # what a UART is: no echo, no line editing (kept open so the line stays up)
    server = serve_on(os.ttyname(slave), state_dir)
    try:
        watch = Watch(master)
        watch.wait_for_host(timeout)
        print(f"watch -> {question}", flush=True)
        reply = watch.ask(question, lang)
        print(f"watch <- {reply.text}  ({reply.intent} {reply.slots}, {reply.lang})", flush=True)
        event = watch.wait_for_event(timeout)
        print(f"watch rings: {event.text}  ({event.kind} #{event.id}, due {event.due})", flush=True)
        return 0
    except LinkError as error:
        print(f"watch: {error}", file=sys.stderr)
        return 1
    finally:
        server.terminate()
        server.wait(timeout=10)
        os.close(master)
        os.close(slave)


def firmware_watch(question: str, lang: str | None, timeout: float, state_dir: str) -> int:
    subprocess.run(["make", "-s", "-C", str(FIRMWARE), "demo"], check=True)
    command = [str(FIRMWARE / "build" / "link_demo"), "--pty", "--events", "1", "--timeout", str(timeout)]
    demo = subprocess.Popen([*command, *(["--lang", lang] if lang else []), question], stdout=subprocess.PIPE,
                            text=True)
    assert demo.stdout is not None
    kind, port = demo.stdout.readline().rstrip("\n").split("\t")
    server = serve_on(port, state_dir)
    try:
        for line in demo.stdout:
            print(f"watch (C): {line.rstrip()}", flush=True)
        return demo.wait()
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--question", default="set a timer for 2 seconds")
    parser.add_argument("--lang", help="the question's language (default: the assistant detects it)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the host, then the event")
    parser.add_argument("--firmware", action="store_true", help="play the watch with the C reference (needs gcc)")
    args = parser.parse_args(argv)
    run = firmware_watch if args.firmware else python_watch
    with tempfile.TemporaryDirectory(prefix="watch-uart-") as state_dir:
        return run(args.question, args.lang, args.timeout, state_dir)


if __name__ == "__main__":
    sys.exit(main())
