"""examples/fridge_panel, run as its README says: a door panel talks to `tinychat serve` over a private mosquitto."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PANEL = Path(__file__).parents[2] / "examples" / "fridge_panel" / "panel.py"


@pytest.mark.slow
def test_the_panel_holds_its_conversation_and_shows_the_state(tmp_path):
    if not (shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").exists()) and not os.environ.get("CI"):
        pytest.skip("mosquitto is not installed")
    result = subprocess.run([sys.executable, str(PANEL), "--state", str(tmp_path / "state")], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    said = [line.removeprefix("you  > ") for line in lines if line.startswith("you  > ")]
    replies = [line.removeprefix("door < ") for line in lines if line.startswith("door < ")]
    assert said[0] == "add 3 apples to the fridge" and len(replies) == len(said) == 7
    assert replies[0] == "Added three apples to the fridge. You have three apples now."
    assert replies[1].endswith("(waiting for an answer)")
    assert "butter" in replies[2] and "계란 12개" in replies[3]
    assert replies[5] == "In the fridge: three apples, one block of butter and 12 eggs."
    assert replies[6] == "장보기 목록: 우유."

    start = next(i for i, line in enumerate(lines) if line.startswith("state snapshot"))
    snapshot = json.loads("\n".join(lines[start + 1:]))
    assert {row["item"]: row["quantity"] for row in snapshot["inventory"]} == {"apple": 3, "butter": 1, "egg": 12}
    assert snapshot["lists"] == {"shopping": [{"item": "milk", "quantity": None}]}
