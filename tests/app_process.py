"""Running `python app.py` as a real process for start-up tests."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).parent.parent


def start(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_up(process: subprocess.Popen, base: str) -> None:
    """Wait until the server answers, or fail the test with what it printed."""
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{base}/login", timeout=1)
            return
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"app.py did not start:\n{process.communicate()[0]}")
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> str:
    """Stop the server; return everything it printed."""
    process.terminate()
    return process.communicate(timeout=15)[0]
