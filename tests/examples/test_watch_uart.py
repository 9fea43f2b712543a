"""examples/watch_uart, run as its README says: a watch asks `tinychat serve` over a pty for a timer, it rings."""

import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).parents[2] / "examples" / "watch_uart" / "run.py"


def _run(*args):
    result = subprocess.run([sys.executable, str(RUN), "--timeout", "30", *args], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_python_watch_sets_a_timer_and_hears_it_ring():
    lines = _run().splitlines()
    assert lines[0] == "watch -> set a timer for 2 seconds"
    assert lines[1].startswith("watch <- ") and "timer_set" in lines[1] and "'duration_s': '2'" in lines[1]
    assert lines[2].startswith("watch rings: ") and "(timer #1" in lines[2]


@pytest.mark.slow
def test_c_firmware_watch_sets_a_timer_and_hears_it_ring():
    lines = [line.split("\t") for line in _run("--firmware").splitlines()]
    reply, event, stats = lines
    assert reply[0] == "watch (C): REPLY" and reply[3] == "timer_set" and reply[6].split() == ["duration_s=2"]
    assert event[:3] == ["watch (C): EVENT", "timer", "1"]
    assert stats[0] == "watch (C): STATS" and stats[-1] == "ok"
