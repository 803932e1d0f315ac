"""`scripts/bench`: build archives of increasing size and measure them next to the raw tools."""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from pathlib import Path

from . import child, raw, report, suites
from .fastbuild import build_archive
from .generator import generate, write_corpus
from .measure import machine

FULL = dict(bulk_budget=300, bulk_max=10_000, single_reps=100, single_budget=180, search_reps=40,
            hist_reps=20, web_seconds=10, clients=8, reindex_timeout=2700, raw_budget=900,
            sources_max=100_000)
QUICK = dict(bulk_budget=20, bulk_max=1_000, single_reps=5, single_budget=30, search_reps=8,
             hist_reps=5, web_seconds=2, clients=4, reindex_timeout=300, raw_budget=60,
             sources_max=10_000)


def log(msg: str):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def bench_size(n: int, seed: int, work: Path, cfg: dict, web: bool) -> tuple[list, dict]:
    """Every row for one archive size."""
    rows, extra = [], {}
    work.mkdir(parents=True, exist_ok=True)
    texts = [(f"{g.date[:4]}/{g.key}.txt", g.text()) for g in generate(n, seed)]
    log(f"{n}: raw git fast-import")
    fi = raw.fast_import_texts(work / "raw.git", texts)
    log(f"{n}: raw Whoosh indexing")
    wh = raw.whoosh_index_texts(work / "raw-index", texts, cfg["raw_budget"])
    fi_rate, wh_rate = fi["letters"] / fi["seconds"], wh["letters"] / wh["seconds"]
    wh_note = f"Whoosh raw over {wh['letters']:,} letters" if wh["letters"] < n else ""
    del texts
    if n <= cfg["bulk_max"]:
        log(f"{n}: writing the .txt corpus and bulk ingest (budget {cfg['bulk_budget']} s)")
        write_corpus(work / "corpus", n, seed)
        b = child.run(["bulk", work / "e2e", work / "corpus", cfg["bulk_budget"]], cfg["bulk_budget"] + 900)
        if "letters" in b:
            rate = b["ok"] / b["seconds"] if b["seconds"] else None
            note = f"{b['method']}; {b['ok']:,} of {b['offered']:,} files ({b['versions']} later versions) " \
                   f"in {b['seconds']:.0f} s"
            if b["letters"] < b["offered"]:
                note += " (time budget)"
            if b["errors"]:
                note += f"; errors: {b['errors']}"
            note += f"; git fast-import alone: {fi_rate:,.0f} letters/s"
            rows.append(report.row(n, "bulk ingest, end to end from .txt", "letters/s", round(rate, 2),
                                   round(wh_rate, 1), "Whoosh alone", "≥ 0.5x Whoosh",
                                   rate >= 0.5 * wh_rate, "e2e", "; ".join(x for x in (note, wh_note) if x)))
            rows.append(report.row(n, "peak RSS of bulk ingest", "MB", b["peak_rss_mb"], built="e2e",
                                   note=f"largest child process (worker, segment builder, git): "
                                        f"{b.get('peak_rss_children_mb')} MB"))
        else:
            rows.append(report.row(n, "bulk ingest, end to end from .txt", "letters/s", None, round(wh_rate, 1),
                                   "Whoosh alone", "≥ 0.5x Whoosh", False, "e2e", f"failed: {b}"))
        shutil.rmtree(work / "corpus", ignore_errors=True)
    else:
        rows.append(report.row(n, "bulk ingest, end to end from .txt", "letters/s", None, round(wh_rate, 1),
                               "Whoosh alone", "≥ 0.5x Whoosh", None, "",
                               f"not run above {cfg['bulk_max']:,} letters (bounded run); see smaller sizes"))
    home = work / "home"
    log(f"{n}: fast-import build of the archive")
    t0 = time.perf_counter()
    manifest = build_archive(home, n, seed, sources=n <= cfg["sources_max"])
    build_s = time.perf_counter() - t0
    rows.append(report.row(n, "fast build (generate + to_tei + fast-import)", "letters/s",
                           round(n / build_s, 1), round(fi_rate, 1), "fast-import of the .txt",
                           built="fast", note=f"{manifest['commits']:,} commits in {build_s:.0f} s"
                           + ("" if manifest["sources"] else "; without sources/<id>/ files (see docs)")))
    from archive.home import Archive
    a = Archive.open(home)
    try:  # git only: runs even when the index cannot be built in time
        log(f"{n}: history and read-at-version")
        rows += suites.history(n, a, home, manifest, cfg["hist_reps"], "fast")
    finally:
        a.close()
    log(f"{n}: reindex (timeout {cfg['reindex_timeout']:.0f} s)")
    ri = child.run(["reindex", home], cfg["reindex_timeout"])
    if "letters" not in ri:
        rows.append(report.row(n, "full reindex", "s", None, round(n / wh_rate, 1), "Whoosh alone (est.)",
                               built="fast", note=f"did not finish: {ri}; index rows skipped"))
        return rows, extra
    rows.append(report.row(n, "full reindex", "s", round(ri["seconds"], 1), round(n / wh_rate, 1),
                           "Whoosh alone" + (" (est.)" if wh_note else ""), built="fast",
                           note=f"{ri['letters'] / ri['seconds']:.0f} letters/s; peak RSS {ri['peak_rss_mb']} MB "
                                f"(largest child: {ri.get('peak_rss_children_mb')} MB)"))
    a = Archive.open(home)
    try:
        log(f"{n}: search")
        rows += suites.search(n, a, home, cfg["search_reps"], "fast")
        log(f"{n}: single-letter ingest")
        r, extra["single"] = suites.single_ingest(n, a, seed, cfg["single_reps"], cfg["single_budget"], "fast")
        rows += r
    finally:
        a.close()
    if web:
        log(f"{n}: web load")
        rows += suites.load(n, home, manifest["ids"][0], cfg["web_seconds"], cfg["clients"], "fast")
    return rows, extra


def run(sizes: list, quick: bool, seed: int, out: Path, web: bool = True, keep: bool = False,
        overrides: dict | None = None) -> dict:
    """Benchmark each size in turn; write results after each one; return them."""
    cfg = dict(QUICK if quick else FULL, **(overrides or {}))
    results = {"started": dt.datetime.now().isoformat(timespec="seconds"), "sizes": sizes, "quick": quick,
               "seed": seed, "machine": machine(), "settings": cfg, "rows": []}
    for n in sizes:
        work = out / "work" / f"n{n}"
        shutil.rmtree(work, ignore_errors=True)
        t0 = time.perf_counter()
        try:
            rows, _ = bench_size(n, seed, work, cfg, web)
        except Exception as exc:  # keep the rows of the other sizes
            rows = [report.row(n, "benchmark error", "", None, note=f"{type(exc).__name__}: {exc}")]
        results["rows"] += rows
        log(f"{n}: done in {time.perf_counter() - t0:.0f} s")
        report.write(results, out)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    growth = report.growth_row(results["rows"])
    if growth:
        results["rows"].append(growth)
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    report.write(results, out)
    return results


def main(argv=None):
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    p.add_argument("--sizes", default="1000,10000,100000", help="comma-separated archive sizes")
    p.add_argument("--quick", action="store_true", help="fewer repetitions, short budgets")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="bench-results", help="where results.json and results.md go")
    p.add_argument("--no-web", action="store_true", help="skip the gunicorn load test")
    p.add_argument("--keep", action="store_true", help="keep the generated archives under OUT/work")
    p.add_argument("--set", action="append", default=[], metavar="KEY=SECONDS",
                   help="override a setting, e.g. --set reindex_timeout=900 (see FULL in runner.py)")
    args = p.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    overrides = {k: int(float(v)) if float(v).is_integer() else float(v)
                 for k, _, v in (s.partition("=") for s in args.set)}
    results = run(sizes, args.quick, args.seed, Path(args.out), web=not args.no_web, keep=args.keep,
                  overrides=overrides)
    print(report.markdown(results))


if __name__ == "__main__":
    main()
