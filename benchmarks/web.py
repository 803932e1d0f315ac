"""The web app under load: gunicorn workers on 127.0.0.1, driven by wrk (or a bounded Python client)."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from .measure import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn -w N` serving the app for one archive home, on a free local port."""

    def __init__(self, home: Path, workers: int = 2):
        self.port = free_port()
        env = dict(os.environ, LETTERS_HOME=str(home))
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
               "--timeout", "120", "--log-level", "warning", "webapp:create_app()"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                get(self.port, "/help")
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("gunicorn exited: " + self.proc.stderr.read().decode()[-500:])
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start within 30 s")

    def workers(self) -> list:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def worker_rss(self) -> list:
        return [peak_rss_mb(p) for p in self.workers()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def load(port: int, path: str, seconds: float, clients: int) -> dict:
    """Requests/s for `path` with `clients` concurrent connections for `seconds` (wrk if installed)."""
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-t", "2", "-c", str(clients), "-d", f"{max(1, int(seconds))}s",
                              "--timeout", "30s", f"http://127.0.0.1:{port}{path}"],
                             capture_output=True, text=True, timeout=seconds + 60).stdout
        rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
        total = re.search(r"(\d+) requests in", out)
        return {"tool": "wrk", "rps": float(rps.group(1)) if rps else None,
                "requests": int(total.group(1)) if total else 0,
                "errors": int(non2xx.group(1)) if non2xx else 0}
    return _py_load(port, path, seconds, clients)


def _py_load(port: int, path: str, seconds: float, clients: int) -> dict:
    """A bounded load generator: `clients` threads, each with its own keep-alive connection."""
    stop = time.monotonic() + seconds
    counts, errors = [0] * clients, [0] * clients

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                counts[k] += 1
                errors[k] += resp.status >= 400
            except OSError:
                errors[k] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(counts)
    return {"tool": "python threads", "rps": round(total / (time.monotonic() - t0), 1),
            "requests": total, "errors": sum(errors)}


def flask_client(home: Path):
    """A Flask test client for the app on `home` (the web path without a network)."""
    from webapp import create_app
    app = create_app({"TESTING": True, "LETTERS_HOME": str(home)})
    return app, app.test_client()
