"""``tinychat serve``: one assistant answering over MQTT, a serial line, or both, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from tinychat.bridges.broker_url import check_broker_allowed, parse_broker_url, read_credentials
from tinychat.bridges.mqtt_bridge import BridgeSettings, MqttBridge
from tinychat.dialogue.turn import Responder

log = logging.getLogger("tinychat.serve")


class ServeOptions(BaseModel):
    """The command's options (field names are its argument names)."""

    model_config = ConfigDict(extra="ignore")

    domain: str | None = None
    bundle: Path | None = None
    state: Path | None = None
    recover_state: bool = False
    #: the device id in ``tinychat/<device>/...`` (default: the domain's name)
    device: str | None = None
    mqtt: str | None = None
    allow_remote_broker: bool = False
    mqtt_credentials: Path | None = None
    mqtt_ca: Path | None = None
    no_hermes: bool = False
    hermes_site: list[str] | None = None
    poll_interval: float = 0.2
    serial: str | None = None
    baud: int = 115200


def serve(options: ServeOptions, stop: threading.Event | None = None) -> int:
    """Check the broker against the privacy rules, load the assistant, serve until ``stop`` (or a signal)."""
    if not options.mqtt and not options.serial:
        raise ValueError("nothing to serve: give --mqtt URL, --serial PORT, or both")
    if options.mqtt:  # refused before anything is loaded or any socket opened
        broker = parse_broker_url(options.mqtt)
        credentials = read_credentials(path=options.mqtt_credentials)
        check_broker_allowed(broker, allow_remote=options.allow_remote_broker, credentials=credentials)

    from tinychat.dialogue import Assistant
    from tinychat.runtime.parser import Parser

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    assistant = Assistant.load(options.domain or "fridge", options.state, bundle=options.bundle,
                               recover=options.recover_state)
    stop = stop or threading.Event()
    with assistant, _stopped_by_signals(stop):
        serial = _SerialThread(assistant, options.serial, options.baud, stop) if options.serial else None
        if serial is not None:
            serial.start()
        if options.mqtt:
            # Hermes queries get a parser of their own: parse-only, with the parser's own
            # out-of-domain threshold, and never sharing decoder state with the assistant's turns
            parser = None if options.no_hermes else (
                Parser.from_bundle(options.bundle) if options.bundle else Parser.load(options.domain or "fridge"))
            settings = BridgeSettings(
                device=options.device or assistant.spec.name, broker=broker, credentials=credentials,
                allow_remote=options.allow_remote_broker, ca_file=options.mqtt_ca,
                poll_interval_s=options.poll_interval,
                hermes_sites=frozenset(options.hermes_site) if options.hermes_site else None)
            log.info("serving %s on %s as tinychat/%s/...", assistant.spec.name, broker, settings.device)
            MqttBridge(assistant, settings, parser=parser).run(stop)
        else:
            stop.wait()
        if serial is not None:
            serial.join()
            if serial.failure is not None:
                raise serial.failure
    return 0


class _SerialThread(threading.Thread):
    """Runs the serial bridge; if it fails, everything stops and ``failure`` says why."""

    def __init__(self, assistant: Responder, port: str, baud: int, stop: threading.Event) -> None:
        super().__init__(name=f"tinychat-serial-{port}", daemon=True)
        self.assistant, self.port, self.baud, self.stop_event = assistant, port, baud, stop
        self.failure: Exception | None = None

    def run(self) -> None:
        from tinychat.bridges.serial_bridge import run_serial_bridge

        try:
            run_serial_bridge(self.assistant, self.port, self.baud, self.stop_event)
        except Exception as err:
            log.exception("the serial bridge on %s stopped", self.port)
            self.failure = err
        finally:
            self.stop_event.set()


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` (so the bridges finish the turn in hand) instead of killing mid-turn."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
