"""The batch pack: objects and deltas git reads back byte for byte, and an index git accepts."""
from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest

from archive import pack_writer
from archive.pack_writer import PackWriter
from archive.store import BatchStore, Store, init_repository, parse_author

AUTHOR = "Ana Archivist <ana@example.org>"


def git(repo, *args, **kw) -> str:
    return subprocess.run(["git", "--git-dir", str(repo.git_dir), *args], check=True, capture_output=True,
                          **kw).stdout


def _changes(rng, files: dict, step: int) -> dict:
    """A few random changes: new files, changed ones, removed ones; some names long enough
    that one tree entry is more than one insert instruction of a delta."""
    names = ([f"{i:05d}-a-letter-of-a-long-name.xml" for i in range(0, 1800, 7)]
             + ["a-b", "a.txt", "a0", "é.xml", "Z", "a b", "x" * 200 + ".xml", "sub/one.xml", "sub/deep/two.xml"])
    changes = {}
    for _ in range(rng.randint(1, 3)):
        path = "letters/big/" + rng.choice(names) if rng.random() < 0.8 else f"sources/s{step % 4}/" + rng.choice(names)
        if path in files and rng.random() < 0.3:
            changes[path] = None
        else:
            changes[path] = f"{step} {path}".encode() * rng.randint(1, 40)
    return changes


@pytest.mark.parametrize("kept", [Store.TREE_ENTRIES_KEPT, 30])
def test_a_batch_writes_the_trees_single_commits_write_in_a_pack_git_verifies(tmp_path, kept):
    """Every commit of a batch has the tree `Store.commit` (checked against git's own index
    elsewhere) writes for the same changes; the pack and its index pass `git verify-pack`
    and `git fsck`; the big folder's versions are deltas, no chain longer than git's limit;
    also when the parsed trees kept are too few, so the batch reads its own unfinished
    trees back."""
    batch_repo, plain_repo = init_repository(tmp_path / "batch.git"), init_repository(tmp_path / "plain.git")
    actor = parse_author(AUTHOR, plain_repo)
    plain = Store(plain_repo)
    # a big folder to start from: its tree is ~75 KB, more than one copy instruction
    start = {f"letters/big/{i:05d}-a-letter-of-a-long-name.xml": b"%d" % i for i in range(1800)}
    base = plain.commit(start, "start", actor)
    git(batch_repo, "fetch", "-q", str(plain_repo.git_dir), "main:main")
    batch = BatchStore(batch_repo, base)
    batch.TREE_ENTRIES_KEPT = kept
    rng, files, expected = random.Random(7), dict(start), []
    for step in range(130):
        changes = _changes(rng, files, step)
        try:
            plain.commit(changes, f"step {step}", actor)
        except Exception as exc:  # a change that changes nothing is refused there
            assert "nothing to commit" in str(exc)
            continue
        batch.commit(changes, f"step {step}", actor)
        expected.append(plain_repo.commit("main").tree.hexsha)
        for path, data in changes.items():
            if data is None:
                files.pop(path, None)
            else:
                files[path] = data
    shas = batch.finish()
    assert len(shas) == len(expected) > 100
    assert [batch_repo.commit(sha).tree.hexsha for sha in shas] == expected
    assert git(batch_repo, "rev-parse", "main", text=True).strip() == shas[-1]
    subprocess.run(["git", "--git-dir", str(batch_repo.git_dir), "fsck", "--full", "--strict"], check=True)
    idx = tmp_path / "batch.git" / "objects" / "pack" / f"{batch.pack.name}.idx"
    report = git(batch_repo, "verify-pack", "-v", str(idx), text=True)
    chains = [int(n) for n in re.findall(r"chain length = (\d+):", report)]
    assert chains and max(chains) <= pack_writer.MAX_DEPTH
    assert batch.pack.deltas > len(shas)  # the big folder and the folders above it, each commit
    for path, data in files.items():   # the last commit holds every file as it should
        assert git(batch_repo, "show", f"main:{path}") == data


def test_large_offsets_are_written_as_git_reads_them(tmp_path):
    """A pack past 2 GB keeps its offsets in the index's 8-byte table."""
    repo = init_repository(tmp_path / "r.git")
    writer = PackWriter(tmp_path / "r.git" / "objects")
    shas = [writer.add(b"blob", b"object %d" % i) for i in range(5)]
    writer.offsets[3] = 5 << 31
    writer.offsets[4] = (1 << 31) + 12
    writer.abort()
    index = writer._index(b"\0" * 20)
    shown = subprocess.run(["git", "--git-dir", str(repo.git_dir), "show-index"], input=index, check=True,
                           capture_output=True).stdout.decode().split("\n")
    offsets = {line.split()[1]: int(line.split()[0]) for line in shown if line}
    assert offsets[shas[3].hex()] == 5 << 31
    assert offsets[shas[4].hex()] == (1 << 31) + 12
    assert offsets[shas[0].hex()] == 12


def test_an_aborted_pack_leaves_nothing_and_a_stale_one_is_removed(tmp_path):
    repo = init_repository(tmp_path / "r.git")
    objects = tmp_path / "r.git" / "objects"
    writer = PackWriter(objects)
    writer.add(b"blob", b"x" * 5000)
    writer.abort()
    assert not list((objects / "pack").iterdir())
    dead = PackWriter(objects)   # a writer killed half-way leaves its file
    dead.add(b"blob", b"y" * 5000)
    dead.file.flush()
    gits_own = objects / "pack" / "tmp_pack_123456"  # not ours: left alone
    gits_own.write_bytes(b"")
    live = PackWriter(objects)
    names = sorted(p.name for p in (objects / "pack").iterdir())
    assert names == sorted(["tmp_pack_123456", Path(live.temp).name])
    sha = live.add(b"blob", b"z" * 5000)
    live.finish()
    assert git(repo, "cat-file", "blob", sha.hex()) == b"z" * 5000
    assert "in-pack: 1\n" in git(repo, "count-objects", "-v", text=True)


def test_splice_delta_instructions_apply_as_git_applies_them(tmp_path):
    """A delta from the prefix and suffix a tree shares with its base: git rebuilds the object."""
    repo = init_repository(tmp_path / "r.git")
    writer = PackWriter(tmp_path / "r.git" / "objects")
    rng = random.Random(3)
    base = bytes(rng.randrange(256) for _ in range(200_000))
    sha = writer.add(b"blob", base)
    at = writer.offsets[-1]   # where the base blob starts
    cases = []
    for prefix, middle, suffix in [(0, b"new", 199_000), (150_000, b"", 40_000), (70_000, b"m" * 300, 0),
                                   (65_536, b"q", 131_072), (100, b"", 100)]:
        data = base[:prefix] + middle + (base[len(base) - suffix:] if suffix else b"")
        writer.bases[sha] = (at, 0)  # blobs are not bases by themselves
        cases.append((writer.add(b"blob", data, (sha, len(base), prefix, suffix)), data))
    assert writer.deltas == len(cases)
    writer.finish()
    for new, data in cases:
        assert git(repo, "cat-file", "blob", new.hex()) == data
