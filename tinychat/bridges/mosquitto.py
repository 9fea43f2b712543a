"""A private mosquitto broker on loopback: for trying tinychat on a laptop, the examples and the tests.

It runs Debian's ``mosquitto`` binary with a config of its own in a work directory (no system
service involved), listening on 127.0.0.1 only, with persistence so that a restart keeps
sessions and queued messages.
"""

from __future__ import annotations

import getpass
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

#: asks a broker holds per client beyond those in flight (mosquitto's default of 1000 drops a burst's tail)
MAX_QUEUED_MESSAGES = 100_000


class MosquittoNotFound(FileNotFoundError):
    """The mosquitto binary is not installed (Debian: ``apt-get install mosquitto``)."""


def find_mosquitto() -> str:
    found = shutil.which("mosquitto") or next(
        (str(p) for p in (Path("/usr/sbin/mosquitto"), Path("/usr/local/sbin/mosquitto")) if p.is_file()), None)
    if found is None:
        raise MosquittoNotFound("mosquitto is not installed; on Debian/Ubuntu: sudo apt-get install mosquitto")
    return found


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mosquitto:
    """One broker process; ``restart()`` keeps its port and its persisted sessions."""

    def __init__(self, workdir: Path, port: int | None = None, unix_socket: bool = False) -> None:
        self.workdir = Path(workdir)
        self.port = port or free_loopback_port()
        #: with ``unix_socket``, it also listens on ``<workdir>/mqtt.sock``
        self.socket_path = self.workdir / "mqtt.sock" if unix_socket else None
        self.binary = find_mosquitto()
        self.process: subprocess.Popen[bytes] | None = None
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config = self.workdir / "mosquitto.conf"
        self.log = self.workdir / "mosquitto.log"
        self.config.write_text("\n".join([
            f"listener {self.port} 127.0.0.1",
            *([f"listener 0 {self.socket_path}"] if self.socket_path else []),
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {self.workdir}/",
            f"max_queued_messages {MAX_QUEUED_MESSAGES}",
            "set_tcp_nodelay true",  # small replies go out at once, not after a delayed ACK
            f"log_dest file {self.log}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            # run as root, mosquitto would switch to the 'mosquitto' user, who cannot write here
            f"user {getpass.getuser()}",
        ]) + "\n", encoding="utf-8")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self.process = subprocess.Popen([self.binary, "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited with {self.process.returncode}: {err.strip()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"mosquitto did not listen on 127.0.0.1:{self.port} within {timeout} s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM saves the persistence file first; SIGKILL loses what was not yet saved."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Mosquitto:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
