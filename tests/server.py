"""Start the real app (`app.py`) as a subprocess on a free loopback port, and stop it."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.load import free_port, stop

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_app(*args: str, users_file: Path, timeout: float = 240, env: dict | None = None):
    """Yields the URL once the page answers; the app's output is shown if it dies."""
    port = free_port()
    env = dict(env or os.environ, PYTHONUNBUFFERED="1", QA_USERS_FILE=str(users_file))
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + timeout
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail("app exited:\n" + proc.stdout.read())
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    pytest.fail("app did not start in time")
                time.sleep(1)
        yield url
    finally:
        stop(proc)
