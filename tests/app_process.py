"""Running `python app.py` as a real process for start-up tests."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).parent.parent


def start(env: dict[str, str], *command: str) -> subprocess.Popen:
    """`python app.py`, or another command run from the project's folder (gunicorn, flask)."""
    return subprocess.Popen(
        list(command) or [sys.executable, "app.py"],
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
            requests.get(f"{base}/login", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"app.py did not start:\n{process.communicate()[0]}")
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> str:
    """Stop the server; return everything it printed."""
    process.terminate()
    return process.communicate(timeout=15)[0]


def run_flask(env: dict[str, str], *args: str) -> str:
    """One `flask --app app ...` command; its output, or the test fails with its errors."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
