"""Jobs run in a child process so their peak memory is their own: bulk ingest and full reindex.

    python -m benchmarks.child bulk HOME CORPUS_DIR BUDGET_SECONDS
    python -m benchmarks.child reindex HOME
Prints one JSON object on stdout.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from .generator import AUTHORS, iter_corpus
from .measure import peak_rss_children_mb, peak_rss_mb


def _deadline(items, budget: float, counter: list):
    """Yield items until `budget` seconds have passed (the rest are not ingested); counter
    [items, later versions] yielded."""
    t0 = time.perf_counter()
    for item in items:
        if counter[0] and time.perf_counter() - t0 > budget:
            return
        counter[0] += 1
        counter[1] += len(item) > 3
        yield item


def bulk(home: Path, corpus: Path, budget: float) -> dict:
    """Ingest the corpus's first versions end to end from .txt files into a new archive."""
    from archive.home import Archive
    a = Archive.init(home, AUTHORS[0])
    items = iter_corpus(corpus)   # read as ingested: the peak memory is the archive's, not the list's
    offered = sum(1 for _ in Path(corpus).glob("l*.txt"))
    counter = [0, 0]
    t0 = time.perf_counter()
    if hasattr(a, "ingest_many"):
        method = "Archive.ingest_many"
        results = a.ingest_many(_deadline(items, budget, counter), AUTHORS[0])
    else:
        method = "loop of Archive.ingest (no ingest_many yet)"
        results = []
        for item in _deadline(items, budget, counter):
            opts = item[3] if len(item) > 3 else {}
            target = results[opts["version_of_item"]].get("id") if opts else None
            results.append(a.ingest(item[0], item[1], item[2], opts.get("author", AUTHORS[0]),
                                    as_version_of=target, message=opts.get("message")))
    seconds = time.perf_counter() - t0
    ok = sum(1 for r in results if r.get("ok"))
    errors = [r.get("error") for r in results if not r.get("ok")][:3]
    a.close()
    return {"method": method, "offered": offered, "letters": counter[0], "ok": ok, "versions": counter[1],
            "errors": errors, "seconds": seconds, "peak_rss_mb": peak_rss_mb(),
            "peak_rss_children_mb": peak_rss_children_mb()}


def reindex(home: Path) -> dict:
    from archive.home import Archive
    a = Archive.open(home)
    t0 = time.perf_counter()
    n = a.reindex()
    seconds = time.perf_counter() - t0
    a.close()
    return {"letters": n, "seconds": seconds, "peak_rss_mb": peak_rss_mb(),
            "peak_rss_children_mb": peak_rss_children_mb()}


def run(args: list, timeout: float) -> dict:
    """Run a child job; {"timeout": True} if it did not finish in `timeout` seconds."""
    cmd = [sys.executable, "-m", "benchmarks.child", *map(str, args)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                             cwd=Path(__file__).resolve().parent.parent)
    except subprocess.TimeoutExpired:
        return {"timeout": True, "seconds": timeout}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    job = sys.argv[1]
    if job == "bulk":
        res = bulk(Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]))
    else:
        res = reindex(Path(sys.argv[2]))
    print(json.dumps(res))
