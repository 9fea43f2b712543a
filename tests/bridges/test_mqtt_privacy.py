"""The privacy guard: a broker off the device is refused unless asked for, and then only with TLS and
credentials; the bridge connects to nothing but its broker."""

from __future__ import annotations

import socket

import pytest

from tinychat.bridges.broker_url import (
    BrokerAddress,
    BrokerRefused,
    Credentials,
    check_broker_allowed,
    parse_broker_url,
    read_credentials,
)
from tinychat.bridges.mqtt_bridge import BridgeSettings, MqttBridge

CREDENTIALS = Credentials("fridge", "s3cret")


@pytest.mark.parametrize(("url", "expected"), [
    ("mqtt://127.0.0.1:1883", BrokerAddress("mqtt", "127.0.0.1", 1883)),
    ("mqtt://localhost", BrokerAddress("mqtt", "localhost", 1883)),
    ("mqtt://[::1]:1884", BrokerAddress("mqtt", "::1", 1884)),
    ("mqtts://broker.example.org", BrokerAddress("mqtts", "broker.example.org", 8883)),
    ("unix:///run/mosquitto/mqtt.sock", BrokerAddress("unix", "/run/mosquitto/mqtt.sock")),
])
def test_broker_urls(url, expected):
    assert parse_broker_url(url) == expected


@pytest.mark.parametrize(("url", "message"), [
    ("mqtt://user:pw@127.0.0.1", "credentials must not be in the URL"),
    ("http://127.0.0.1", "expected mqtt://"),
    ("unix://relative.sock", "absolute socket path"),
    ("mqtt://127.0.0.1:99999", "invalid port"),
    ("mqtt://127.0.0.1/topic", "no path"),
])
def test_bad_broker_urls_are_refused(url, message):
    with pytest.raises(BrokerRefused, match=message):
        parse_broker_url(url)


@pytest.mark.parametrize("url", ["mqtt://127.0.0.1", "mqtt://127.3.2.1:1", "mqtt://[::1]", "mqtt://localhost",
                                 "unix:///tmp/broker.sock"])
def test_a_broker_on_the_device_needs_nothing(url):
    check_broker_allowed(parse_broker_url(url), allow_remote=False, credentials=None, env={})


@pytest.mark.parametrize("url", ["mqtt://192.168.1.5", "mqtts://192.168.1.5", "mqtts://broker.example.org",
                                 "mqtt://localhost.example.org", "mqtt://[::ffff:8.8.8.8]"])
def test_a_remote_broker_is_refused_without_the_flag(url):
    with pytest.raises(BrokerRefused, match="--allow-remote-broker"):
        check_broker_allowed(parse_broker_url(url), allow_remote=False, credentials=CREDENTIALS, env={})


def test_a_remote_broker_needs_tls_and_credentials_even_with_the_flag():
    with pytest.raises(BrokerRefused, match="needs TLS"):
        check_broker_allowed(parse_broker_url("mqtt://192.168.1.5"), allow_remote=True, credentials=CREDENTIALS,
                             env={})
    with pytest.raises(BrokerRefused, match="needs credentials"):
        check_broker_allowed(parse_broker_url("mqtts://192.168.1.5"), allow_remote=True, credentials=None, env={})
    check_broker_allowed(parse_broker_url("mqtts://192.168.1.5"), allow_remote=True, credentials=CREDENTIALS, env={})


def test_a_proxy_in_the_environment_is_refused():
    with pytest.raises(BrokerRefused, match="proxy"):
        check_broker_allowed(parse_broker_url("mqtt://127.0.0.1"), allow_remote=False, credentials=None,
                             env={"mqtt_proxy": "socks://10.0.0.1:1080"})


def test_credentials_come_from_a_private_file_or_the_environment(tmp_path):
    path = tmp_path / "mqtt-credentials"
    path.write_text("fridge:pa:ss\n")
    path.chmod(0o600)
    assert read_credentials({}, path) == Credentials("fridge", "pa:ss")
    assert "pa:ss" not in repr(read_credentials({}, path))
    path.chmod(0o644)
    with pytest.raises(BrokerRefused, match="chmod 600"):
        read_credentials({}, path)
    env = {"TINYCHAT_MQTT_USERNAME": "panel", "TINYCHAT_MQTT_PASSWORD": "pw"}
    assert read_credentials(env) == Credentials("panel", "pw")
    assert read_credentials({}) is None


def test_refused_before_any_connection_is_attempted(connection_log):
    with connection_log() as log, pytest.raises(BrokerRefused):
        MqttBridge(object(), BridgeSettings(device="d", broker=parse_broker_url("mqtt://203.0.113.7")))
    assert log.connects == [] and log.lookups == []


def test_the_bridge_connects_to_nothing_but_its_broker(broker, responder, watcher, connection_log):
    from tinychat.runtime.parser import Parser

    parser = Parser.load("fridge")
    w = watcher()
    bridge = MqttBridge(responder, BridgeSettings(device="fridge-1", broker=parse_broker_url(broker.url),
                                                  reconnect_min_s=0.1), parser=parser)
    with connection_log() as log:
        bridge.start()
        assert bridge.wait_until_connected(10)
        w.publish("tinychat/fridge-1/ask", {"id": 1, "text": "add 3 apples to the fridge"})
        w.publish("hermes/nlu/query", {"input": "remove the butter", "id": "h"})
        assert w.wait_for(lambda: w.on("tinychat/fridge-1/reply") and w.on("hermes/nlu/intentParsed"))
        broker.restart()
        assert w.wait_for(lambda: w.on("tinychat/fridge-1/status").count("online") >= 2, timeout=15)
        bridge.stop()
    assert log.connects, "the audit hook saw no connection at all"
    assert set(log.connects) == {(socket.AF_INET, ("127.0.0.1", broker.port))}
    assert set(log.lookups) <= {"127.0.0.1"}
