"""Results: the issue's targets as pass/fail, the JSON file and the markdown table."""
from __future__ import annotations

import json
from pathlib import Path


def row(size, name, unit, project, anchor=None, anchor_name="", target="", ok=None, built="",
        note="", ratio=None) -> dict:
    """One table row: the project's figure next to its raw anchor."""
    if ratio is None:
        ratio = _ratio(project, anchor)
    return {"size": size, "row": name, "unit": unit, "project": project, "anchor": anchor,
            "anchor_name": anchor_name, "ratio": ratio, "target": target, "pass": ok,
            "built": built, "note": note}


def _value(v, key="p50"):
    return v.get(key) if isinstance(v, dict) else v


def _ratio(project, anchor):
    p, a = _value(project), _value(anchor)
    if isinstance(p, (int, float)) and isinstance(a, (int, float)) and a:
        return round(p / a, 2)
    return None


def latency_target(project: dict, limit_ms: float) -> bool | None:
    p95 = _value(project, "p95")
    return None if p95 is None else p95 < limit_ms


def fmt(v, unit: str = "") -> str:
    """A cell: p50 / p95 (n) for latencies, a plain number otherwise."""
    if v is None:
        return "–"
    if isinstance(v, dict):
        if v.get("p50") is None:
            return "–"
        return f"{v['p50']:g} / {v['p95']:g} ms (n={v['n']})"
    if isinstance(v, float):
        v = round(v, 1) if abs(v) >= 10 else round(v, 2)
        return f"{v:g} {unit}".strip()
    return f"{v} {unit}".strip()


def markdown(results: dict) -> str:
    """The results as one markdown table, with the machine and settings above it."""
    m = results["machine"]
    lines = [
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"{m['git']}. Run: {results['started']}, seed {results['seed']}, sizes "
        f"{', '.join(str(s) for s in results['sizes'])}{' (quick)' if results['quick'] else ''}.",
        "",
        "Latencies are p50 / p95 in ms with the sample count; ratio = project / anchor (p50 for "
        "latencies). Built: `e2e` = ingested end to end from .txt files through the public API; "
        "`fast` = letters committed by `git fast-import` from the generator (benchmarks/fastbuild.py) "
        "then indexed by `Archive.reindex`.",
        "",
        "| size | row | built | project | anchor | ratio | target | pass | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results["rows"]:
        anchor = fmt(r["anchor"], r["unit"])
        if r["anchor_name"]:
            anchor = f"{anchor} ({r['anchor_name']})"
        ok = {True: "pass", False: "**FAIL**", None: ""}[r["pass"]]
        ratio = f"{r['ratio']:g}x" if r["ratio"] is not None else ""
        lines.append(f"| {r['size']:,} | {r['row']} | {r['built']} | {fmt(r['project'], r['unit'])} | "
                     f"{anchor} | {ratio} | {r['target']} | {ok} | {r['note']} |")
    return "\n".join(lines) + "\n"


def write(results: dict, out: Path) -> tuple[Path, Path]:
    """Write results.json and results.md (and timestamped copies) under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("-", "")[:15]
    md = markdown(results)
    paths = []
    for name in ("results", f"results-{stamp}"):
        (out / f"{name}.json").write_text(json.dumps(results, indent=1))
        (out / f"{name}.md").write_text(md)
        paths.append(out / f"{name}.md")
    return out / "results.json", out / "results.md"


def merge(paths: list) -> dict:
    """Several runs (e.g. small sizes and a 100k run in the background) as one result."""
    runs = [json.loads(Path(p).read_text()) for p in paths]
    merged = dict(runs[0], rows=[], sizes=[])
    for r in runs:
        merged["rows"] += r["rows"]
        merged["sizes"] += r["sizes"]
    merged["started"] = min(r["started"] for r in runs)
    merged["finished"] = max(r.get("finished", r["started"]) for r in runs)
    merged["rows"] = [r for r in merged["rows"] if not r["row"].startswith("single-letter ingest p95 growth")]
    merged["rows"].sort(key=lambda r: r["size"])
    growth = growth_row(merged["rows"])
    if growth:
        merged["rows"].append(growth)
    return merged


def growth_row(rows: list) -> dict | None:
    """Single-letter ingest p95 at the largest size against the smallest (target ≤ 1.5x)."""
    singles = {r["size"]: r["project"] for r in rows if r["row"].startswith("single-letter ingest (")
               and isinstance(r["project"], dict) and r["project"].get("p95")}
    if len(singles) < 2:
        return None
    lo, hi = min(singles), max(singles)
    ratio = singles[hi]["p95"] / singles[lo]["p95"]
    return row(hi, f"single-letter ingest p95 growth {lo:,} -> {hi:,}", "x", round(ratio, 2),
               target="≤ 1.5x", ok=ratio <= 1.5, built="fast",
               note=f"p95 {singles[lo]['p95']:g} -> {singles[hi]['p95']:g} ms")


if __name__ == "__main__":
    import sys
    # python -m benchmarks.report OUT_DIR RESULTS.json...: merge runs into OUT_DIR/results.md
    write(merge(sys.argv[2:]), Path(sys.argv[1]))
    print(markdown(merge(sys.argv[2:])))
