"""Raw-tool anchors: git fast-import, plain Whoosh, bare `git log -- path`, kept-open cat-file."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

from whoosh import index as windex
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import QueryParser

from .measure import timed


def fast_import_texts(git_dir: Path, texts) -> dict:
    """Commit each (path, text) under letters/ as its own commit through one `git fast-import` stream."""
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(git_dir)], check=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(["git", "--git-dir", str(git_dir), "fast-import", "--quiet", "--done"],
                            stdin=subprocess.PIPE)
    n = 0
    for name, text in texts:
        data, msg = text.encode(), f"Add {name}".encode()
        when = 1_500_000_000 + n * 60
        proc.stdin.write(b"commit refs/heads/main\nauthor A <a@example.org> %d +0000\n"
                         b"committer A <a@example.org> %d +0000\ndata %d\n%s\n" % (when, when, len(msg), msg))
        proc.stdin.write(b"M 100644 inline letters/%s\ndata %d\n%s\n" % (name.encode(), len(data), data))
        n += 1
    proc.stdin.write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    return {"letters": n, "seconds": time.perf_counter() - t0}


def whoosh_index_texts(index_dir: Path, texts, budget: float | None = None) -> dict:
    """Index (name, text) pairs into a plain Schema(id, TEXT) with one writer; stop at `budget` s."""
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(index_dir), Schema(id=ID(stored=True), text=TEXT))
    t0 = time.perf_counter()
    writer = ix.writer()
    n = 0
    for name, text in texts:
        writer.add_document(id=name, text=text)
        n += 1
        if budget and time.perf_counter() - t0 > budget:
            break
    writer.commit()
    ix.close()
    return {"letters": n, "seconds": time.perf_counter() - t0}


class BareWhoosh:
    """The archive's own index directory opened with plain Whoosh and a plain QueryParser."""

    def __init__(self, index_dir: Path):
        self.ix = windex.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("text", self.ix.schema)

    def query(self, q: str, facets: bool = False) -> int:
        """Run `q` for one page of 20 hits (reading their stored ids); return the total."""
        kwargs = {}
        if facets:
            from whoosh import sorting
            from archive.index import FACETS  # the same facet fields the archive counts
            names = [f for f in FACETS.values() if f in self.ix.schema.names()]
            kwargs["groupedby"] = {f: sorting.FieldFacet(f, allow_overlap=True, maptype=sorting.Count)
                                   for f in names}
        results = self.searcher.search(self.parser.parse(q), limit=20, **kwargs)
        [hit["id"] for hit in results]
        return len(results)

    def close(self):
        self.searcher.close()
        self.ix.close()


def commit_graph_state(git_dir: Path) -> str:
    """'bloom' if the repository has a commit-graph with changed-path filters, 'plain', or 'none'."""
    objects = Path(git_dir) / "objects" / "info"
    files = [objects / "commit-graph"] + sorted((objects / "commit-graphs").glob("*.graph"))
    files = [f for f in files if f.exists()]
    if not files:
        return "none"
    return "bloom" if any(b"BIDX" in f.read_bytes()[:4096] for f in files) else "plain"


def write_commit_graph(git_dir: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(["git", "--git-dir", str(git_dir), "commit-graph", "write", "--reachable",
                    "--changed-paths"], check=True, capture_output=True)
    return time.perf_counter() - t0


def git_log_times(git_dir: Path, paths: list, reps: int) -> list:
    """Seconds for `git log --format=%H main -- path`, cycling through `paths`."""
    cmd = ["git", "--git-dir", str(git_dir), "log", "--format=%H", "main", "--"]
    return timed(lambda i: subprocess.run(cmd + [paths[i % len(paths)]], check=True,
                                          capture_output=True), reps)


class CatFile:
    """A kept-open `git cat-file --batch`: the raw cost of reading a file at a version."""

    def __init__(self, git_dir: Path):
        self.proc = subprocess.Popen(["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, commit: str, path: str) -> bytes:
        self.proc.stdin.write(f"{commit}:{path}\n".encode())
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3:
            raise KeyError(f"{commit}:{path}")
        data = self.proc.stdout.read(int(header[2]) + 1)
        return data[:-1]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()
