"""Where the MQTT broker is, and whether tinychat may talk to it: the privacy guard.

Conversations stay on the appliance. A broker on loopback or a unix socket is always allowed;
any other is refused unless the maker asks for it (``allow_remote``), and even then only over
TLS (``mqtts://``) with credentials, which come from the environment or a private file, never
from the command line. Host names other than ``localhost`` are not looked up to decide.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
USERNAME_VARIABLE = "TINYCHAT_MQTT_USERNAME"
PASSWORD_VARIABLE = "TINYCHAT_MQTT_PASSWORD"
#: environment variables with which paho would route the connection through a proxy
PROXY_VARIABLES = ("mqtt_proxy", "MQTT_PROXY")


class BrokerRefused(ValueError):
    """The broker address or its credentials break the privacy rules; the message says which and why."""


@dataclass(frozen=True)
class BrokerAddress:
    """A parsed ``mqtt://host:port``, ``mqtts://host:port`` or ``unix:///path/to/socket``."""

    scheme: str
    #: host name or IP address; the socket path for ``unix``
    host: str
    port: int = 0

    @property
    def tls(self) -> bool:
        return self.scheme == "mqtts"

    @property
    def is_unix_socket(self) -> bool:
        return self.scheme == "unix"

    @property
    def is_local(self) -> bool:
        """True for a unix socket, ``localhost`` or a loopback IP address (decided without a DNS lookup)."""
        if self.is_unix_socket or self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        if self.is_unix_socket:
            return f"unix://{self.host}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)


def parse_broker_url(url: str) -> BrokerAddress:
    """Read a broker URL; credentials in it are refused (they would show in ``ps`` and shell history)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        path = parts.netloc + parts.path
        if not path.startswith("/"):
            raise BrokerRefused(f"unix broker URL {url!r} needs an absolute socket path: unix:///run/mosquitto.sock")
        return BrokerAddress("unix", path)
    if parts.scheme not in DEFAULT_PORTS:
        raise BrokerRefused(f"broker URL {url!r}: expected mqtt://HOST[:PORT], mqtts://HOST[:PORT] or unix:///PATH")
    if parts.username is not None or parts.password is not None:
        raise BrokerRefused(f"broker URL {parts.scheme}://…@{parts.hostname}: credentials must not be in the URL; "
                            f"set {USERNAME_VARIABLE} and {PASSWORD_VARIABLE} or give a credentials file")
    if not parts.hostname:
        raise BrokerRefused(f"broker URL {url!r} names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BrokerRefused(f"broker URL {url!r}: expected no path or query after the host and port")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise BrokerRefused(f"broker URL {url!r} has an invalid port") from None
    return BrokerAddress(parts.scheme, parts.hostname, port)


def read_credentials(env: Mapping[str, str] | None = None, path: Path | None = None) -> Credentials | None:
    """Credentials from a file of one ``username:password`` line (readable by its owner only), else the environment."""
    env = os.environ if env is None else env
    if path is not None:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise BrokerRefused(f"credentials file {path} is readable by others (mode {stat.filemode(mode)}); "
                                f"chmod 600 it")
        line = path.read_text(encoding="utf-8").strip()
        username, colon, password = line.partition(":")
        if not colon or not username:
            raise BrokerRefused(f"credentials file {path}: expected one line 'username:password'")
        return Credentials(username, password)
    from_env = env.get(USERNAME_VARIABLE)
    if from_env:
        return Credentials(from_env, env.get(PASSWORD_VARIABLE, ""))
    return None


def check_broker_allowed(address: BrokerAddress, *, allow_remote: bool, credentials: Credentials | None,
                         env: Mapping[str, str] | None = None) -> None:
    """Raise ``BrokerRefused`` unless talking to this broker keeps the privacy promise."""
    env = os.environ if env is None else env
    proxies = [name for name in PROXY_VARIABLES if env.get(name)]
    if proxies:
        raise BrokerRefused(f"{proxies[0]} is set: the MQTT client would connect through a proxy; unset it")
    if address.is_local:
        return
    if not allow_remote:
        raise BrokerRefused(f"broker {address} is not on this device (loopback or a unix socket); conversations "
                            "stay on the appliance unless you pass --allow-remote-broker")
    if not address.tls:
        raise BrokerRefused(f"remote broker {address} needs TLS: use mqtts://")
    if credentials is None:
        raise BrokerRefused(f"remote broker {address} needs credentials: set {USERNAME_VARIABLE} and "
                            f"{PASSWORD_VARIABLE}, or give --mqtt-credentials FILE")
