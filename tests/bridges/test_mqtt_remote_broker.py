"""A broker off loopback, allowed explicitly: the bridge talks to it over TLS with credentials, verifies
its certificate, and is turned away with a wrong password."""

from __future__ import annotations

import getpass
import ipaddress
import shutil
import socket
import subprocess
import time

import pytest

from tinychat.bridges.broker_url import Credentials, parse_broker_url
from tinychat.bridges.mosquitto import find_mosquitto, free_loopback_port
from tinychat.bridges.mqtt_bridge import BridgeSettings, MqttBridge

T = "tinychat/fridge-1"


def _lan_address() -> str | None:
    """An IPv4 address of this machine that is not loopback (read from the interfaces, no lookup)."""
    found = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    return next((a for a in found if ipaddress.ip_address(a).version == 4 and not ipaddress.ip_address(a).is_loopback),
                None)


@pytest.fixture
def tls_broker(tmp_path):
    """mosquitto with a TLS + password listener on the LAN address and an anonymous one on loopback."""
    address = _lan_address()
    if address is None or shutil.which("openssl") is None or shutil.which("mosquitto_passwd") is None:
        pytest.skip("needs a non-loopback IPv4 address, openssl and mosquitto_passwd")

    def run(*command: str) -> None:
        subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    run("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=test CA")
    run("openssl", "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={address}")
    (tmp_path / "san.ext").write_text(f"subjectAltName=IP:{address}\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "1", "-extfile", "san.ext")
    run("mosquitto_passwd", "-c", "-b", "passwd", "fridge", "correct horse")
    tls_port, local_port = free_loopback_port(), free_loopback_port()
    (tmp_path / "mosquitto.conf").write_text("\n".join([
        "per_listener_settings true", f"user {getpass.getuser()}", f"log_dest file {tmp_path}/mosquitto.log",
        f"listener {tls_port} {address}", "allow_anonymous false", f"password_file {tmp_path}/passwd",
        f"certfile {tmp_path}/server.crt", f"keyfile {tmp_path}/server.key",
        f"listener {local_port} 127.0.0.1", "allow_anonymous true"]) + "\n")
    process = subprocess.Popen([find_mosquitto(), "-c", str(tmp_path / "mosquitto.conf")])
    for _ in range(100):
        try:
            socket.create_connection((address, tls_port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield {"url": f"mqtts://{address}:{tls_port}", "local": f"mqtt://127.0.0.1:{local_port}",
           "ca": tmp_path / "ca.crt", "address": (address, tls_port)}
    process.terminate()
    process.wait(10)


def _bridge(responder, tls_broker, password="correct horse", ca=True) -> MqttBridge:
    settings = BridgeSettings(device="fridge-1", broker=parse_broker_url(tls_broker["url"]), allow_remote=True,
                              credentials=Credentials("fridge", password), ca_file=tls_broker["ca"] if ca else None,
                              reconnect_min_s=0.2, reconnect_max_s=0.5)
    return MqttBridge(responder, settings)


def test_an_allowed_remote_broker_is_served_over_tls_with_credentials(tls_broker, responder, watcher,
                                                                      connection_log):
    bridge = _bridge(responder, tls_broker)
    w = watcher(url=tls_broker["local"])
    with connection_log() as log:
        bridge.start()
        try:
            assert bridge.wait_until_connected(10), "the bridge did not get through TLS and the password"
            w.publish(f"{T}/ask", {"id": "r", "text": "pears"})
            assert w.wait_for(lambda: w.on(f"{T}/reply"))
        finally:
            bridge.stop()
    assert w.on(f"{T}/reply")[0]["reply"] == "noted pears"
    assert set(log.connects) == {(socket.AF_INET, tls_broker["address"])}


@pytest.mark.parametrize(("password", "ca"), [("wrong", True), ("correct horse", False)],
                         ids=["wrong-password", "unverified-certificate"])
def test_a_remote_broker_that_fails_authentication_gets_nothing(tls_broker, responder, password, ca):
    bridge = _bridge(responder, tls_broker, password=password, ca=ca)
    bridge.start()
    try:
        assert not bridge.wait_until_connected(2)
    finally:
        bridge.stop()
