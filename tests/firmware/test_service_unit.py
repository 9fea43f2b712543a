"""The Linux service unit and its drop-ins: the options that make it safe, checked by a parser and by systemd."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT_DIR = Path(__file__).resolve().parents[2] / "firmware" / "linux"
UNIT = UNIT_DIR / "tinychat.service"
DROP_INS = ("serial.conf", "jetson.conf")


def directives(path: Path) -> dict[tuple[str, str], list[str]]:
    """(section, key) → every value in order; systemd keys repeat, and an empty value resets the list."""
    found: dict[tuple[str, str], list[str]] = {}
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        values = found.setdefault((section, key), [])
        if value:
            values.append(value)
        else:
            values.clear()
    return found


def one(found, key, section="Service"):
    values = found[(section, key)]
    assert len(values) == 1, f"{key} is set {len(values)} times"
    return values[0]


def environment(found) -> dict[str, str]:
    pairs = [word.split("=", 1) for value in found.get(("Service", "Environment"), []) for word in shlex.split(value)]
    return dict(pairs)


def test_unit_runs_the_active_bundle_with_its_state_and_the_local_broker():
    unit = directives(UNIT)
    command = shlex.split(one(unit, "ExecStart"))
    assert command[1] == "serve"
    assert command[command.index("--bundle") + 1] == "/opt/tinychat/active"
    assert command[command.index("--state") + 1] == "/var/lib/tinychat"
    assert "$TINYCHAT_TRANSPORT" in command and "${TINYCHAT_DEVICE}" in command
    assert environment(unit)["TINYCHAT_TRANSPORT"] == "--mqtt mqtt://127.0.0.1:1883"
    assert one(unit, "Restart") == "on-failure"
    assert one(unit, "WantedBy", "Install") == "multi-user.target"


def test_unit_is_hardened():
    unit = directives(UNIT)
    expected = {"DynamicUser": "yes", "ProtectSystem": "strict", "StateDirectory": "tinychat", "PrivateTmp": "yes",
                "NoNewPrivileges": "yes", "ProtectHome": "yes", "PrivateDevices": "yes", "IPAddressDeny": "any",
                "IPAddressAllow": "localhost", "CapabilityBoundingSet": None, "SystemCallArchitectures": "native"}
    for key, value in expected.items():
        if value is None:
            assert ("Service", key) in unit and unit[("Service", key)] == [], f"{key}= must be set empty"
        else:
            assert one(unit, key) == value, key
    assert set(one(unit, "RestrictAddressFamilies").split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert re.fullmatch(r"\d+M", one(unit, "MemoryMax"))
    assert unit[("Service", "SystemCallFilter")] == ["@system-service", "~@privileged"]


def test_serial_drop_in_allows_exactly_the_port_it_serves_and_no_network():
    serial = directives(UNIT_DIR / "serial.conf")
    transport = shlex.split(environment(serial)["TINYCHAT_TRANSPORT"])
    port = transport[transport.index("--serial") + 1]
    assert one(serial, "DeviceAllow") == f"{port} rw"
    assert one(serial, "DevicePolicy") == "closed"
    assert one(serial, "PrivateNetwork") == "yes"
    assert serial[("Service", "RestrictAddressFamilies")] == ["AF_UNIX"]


def test_environment_file_only_names_variables_the_unit_uses():
    unit_text = UNIT.read_text(encoding="utf-8")
    names = re.findall(r"^#?([A-Z_]+)=", (UNIT_DIR / "tinychat.env").read_text(encoding="utf-8"), re.MULTILINE)
    assert names and all(name.startswith("TINYCHAT_") and name in unit_text for name in names)


def test_serve_accepts_the_flags_the_unit_passes():
    done = subprocess.run([sys.executable, "-m", "tinychat.cli", "serve", "--help"], capture_output=True, text=True,
                          cwd=UNIT_DIR.parents[1])
    if done.returncode != 0 and "invalid choice: 'serve'" in done.stderr:
        pytest.skip("`tinychat serve` is not in this checkout's CLI yet")
    assert done.returncode == 0, done.stderr
    for flag in ("--bundle", "--state", "--device", "--mqtt", "--serial", "--baud"):
        assert flag in done.stdout, f"tinychat serve has no {flag}"


def analyze(units: Path, *command: str) -> subprocess.CompletedProcess:
    """``systemd-analyze COMMAND tinychat.service`` with the unit and its drop-ins looked up in ``units`` first."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is missing (Debian package systemd): the unit was only parsed, not verified")
    return subprocess.run([tool, *command, "tinychat.service"], capture_output=True, text=True,
                          env={"SYSTEMD_UNIT_PATH": f"{units}:", "PATH": "/usr/bin:/bin"})


def installed_copy(tmp_path: Path, drop_ins: tuple[str, ...]) -> Path:
    """The unit as a board would hold it, except ExecStart names an executable that exists here."""
    (tmp_path / "tinychat.service").write_text(
        UNIT.read_text(encoding="utf-8").replace("/opt/tinychat/venv/bin/tinychat", sys.executable), encoding="utf-8")
    (tmp_path / "tinychat.service.d").mkdir()
    for name in drop_ins:
        shutil.copyfile(UNIT_DIR / name, tmp_path / "tinychat.service.d" / name)
    return tmp_path


@pytest.mark.parametrize("drop_ins", [(), ("serial.conf",), ("jetson.conf",), DROP_INS])
def test_systemd_accepts_the_unit_without_a_warning(tmp_path, drop_ins):
    done = analyze(installed_copy(tmp_path, drop_ins), "verify")
    assert done.returncode == 0 and not done.stdout + done.stderr, done.stdout + done.stderr


@pytest.mark.parametrize(("drop_ins", "most"), [((), 1.5), (("serial.conf",), 1.0), (("jetson.conf",), 2.0)])
def test_systemd_rates_the_exposure_low(tmp_path, drop_ins, most):
    done = analyze(installed_copy(tmp_path, drop_ins), "security", "--offline=true", f"--threshold={int(most * 10)}")
    if "--offline" in done.stderr and "unrecognized" in done.stderr:
        pytest.skip("this systemd-analyze has no offline security analysis (systemd < 250)")
    rating = re.search(r"Overall exposure level for tinychat.service: ([\d.]+)", done.stdout)
    assert rating, done.stdout + done.stderr
    assert done.returncode == 0, f"exposure {rating[1]} is above {most}"
