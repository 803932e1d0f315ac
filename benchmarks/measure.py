"""Timing helpers: repeated timings under a time budget, percentiles, peak memory, the machine."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time


def timed(fn, reps: int, budget: float | None = None, warmup: int = 0) -> list:
    """Seconds for `fn(i)` over `reps` calls (fewer if `budget` seconds run out; at least one)."""
    for i in range(warmup):
        fn(i)
    out = []
    start = time.perf_counter()
    for i in range(reps):
        t0 = time.perf_counter()
        fn(i + warmup)
        out.append(time.perf_counter() - t0)
        if budget is not None and time.perf_counter() - start > budget:
            break
    return out


def pct(values: list, p: float) -> float | None:
    """The p-th percentile (nearest rank) of `values`, or None when empty."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def ms(values: list) -> dict:
    """p50/p95 in milliseconds and the sample count."""
    return {"p50": _r(pct(values, 50), 1000), "p95": _r(pct(values, 95), 1000), "n": len(values)}


def _r(v, scale):
    return None if v is None else round(v * scale, 2)


def peak_rss_children_mb() -> float:
    """The largest peak resident memory of the child processes waited for (workers, segment
    builders, git), in MB."""
    import resource
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """Peak resident memory (VmHWM) of a process in MB, from /proc."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def machine() -> dict:
    """What the numbers were measured on."""
    mem = None
    try:
        with open("/proc/meminfo") as f:
            mem = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "ram_gb": mem, "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "git": git, "executable": os.path.basename(sys.executable)}
