"""Never lose a letter: killed ingests, parallel writers, tampering, backups, a full disk.

Everything here runs real processes on real repositories: `letters` subprocesses killed
with SIGKILL, several writer processes at once, files changed behind the archive's back.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.home import Archive
from archive.verify import verify
from conftest import AUTHOR, ROOT

COUNTRIES = ["Uzbekistan", "Kazakhstan", "Tajikistan", "Kyrgyzstan", "Turkmenistan", "Azerbaijan",
             "Armenia", "Georgia", "Belarus", "Egypt", "Bahrain", "Morocco"]
LETTERS = [str(ROOT / ".venv" / "bin" / "letters")]


def letter_text(i: int) -> str:
    country = COUNTRIES[i % len(COUNTRIES)]
    return (f"{10 + i % 18} March 20{10 + i % 12}\n\nDear Minister,\n\n"
            f"We write about the detention of {i + 3} human rights defenders in {country}. "
            f"Their detention breaches article 9 of the International Covenant on Civil and "
            f"Political Rights, and reports of ill-treatment engage article {i % 16 + 1} of the "
            f"Convention against Torture.\n\nWe urge you to release them (case {i}).\n\n"
            f"Sincerely,\n\nAna Example {i}\nDirector, Example Rights Monitor\n")


def write_letters(folder: Path, n: int, start: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"letter-{i:03d}.txt").write_text(letter_text(i), encoding="utf-8")
    return folder


def cli(home, *args, env=None, **kw):
    return subprocess.run(LETTERS + [*args, "--home", str(home)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, **kw)


def commits(home) -> int:
    return int(subprocess.run(["git", "--git-dir", str(home / "repo.git"), "rev-list", "--count", "main"],
                              capture_output=True, text=True, check=True).stdout)


def fsck_clean(home) -> bool:
    return subprocess.run(["git", "--git-dir", str(home / "repo.git"), "fsck", "--strict"],
                          capture_output=True).returncode == 0


def assert_archive_sound(home, expected_letters=None):
    a = Archive.open(home)
    try:
        a.sync()  # the index catches up from git after any crash
        report = verify(a)
        assert report["ok"], report["problems"]
        if expected_letters is not None:
            assert report["letters"] == expected_letters
    finally:
        a.close()


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "archive"
    assert cli(h, "init", "--author", AUTHOR).returncode == 0
    return h


def test_sigkill_at_random_moments_of_a_bulk_ingest(tmp_path):
    rng = random.Random(20261127)
    src = write_letters(tmp_path / "src", 6)
    # one undisturbed run tells how long an ingest takes here
    probe = tmp_path / "probe"
    cli(probe, "init", "--author", AUTHOR)
    t0 = time.monotonic()
    assert cli(probe, "ingest", str(src), "--author", AUTHOR).returncode == 0
    duration = time.monotonic() - t0
    for trial in range(20):
        h = tmp_path / f"trial-{trial}"
        cli(h, "init", "--author", AUTHOR)
        proc = subprocess.Popen(LETTERS + ["ingest", str(src), "--home", str(h), "--author", AUTHOR],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert fsck_clean(h), f"trial {trial}: git fsck failed"
        assert_archive_sound(h)  # no half-written letter, index able to catch up
        again = cli(h, "ingest", str(src), "--author", AUTHOR, "--json")
        assert again.returncode == 0, again.stderr
        assert_archive_sound(h, expected_letters=6)  # every letter archived exactly once


def test_killed_between_commit_and_index_update(home, tmp_path):
    src = write_letters(tmp_path / "src", 1)
    res = cli(home, "ingest", str(src / "letter-000.txt"), "--author", AUTHOR,
              env={"LETTERS_FAULT": "after-commit"})
    assert res.returncode == -signal.SIGKILL
    a = Archive.open(home)
    assert a.index.commit_id() != a.reader.head()  # committed, not yet indexed
    assert a.search("defenders")["total"] == 1     # a reader catches the index up
    a.close()
    assert_archive_sound(home, expected_letters=1)


def test_a_stale_git_ref_lock_is_cleared_with_a_message(home, tmp_path):
    src = write_letters(tmp_path / "src", 1)
    lock = home / "repo.git" / "refs" / "heads" / "main.lock"
    lock.write_text("left by a writer that died\n")
    old = time.time() - 3600
    os.utime(lock, (old, old))
    res = cli(home, "ingest", str(src), "--author", AUTHOR)
    assert res.returncode == 0, res.stderr
    assert "stale git lock" in res.stderr
    assert not lock.exists()


WRITER = """
import sys
from archive.home import Archive
sys.path.insert(0, {tests!r})
from test_guarantees import letter_text
a = Archive.open({home!r})
for i in range({start}, {start} + {n}):
    a.ingest(letter_text(i).encode(), f"w{{i}}.txt", {{}}, "Writer {w} <w{w}@example.org>")
a.close()
"""

READER = """
import json, sys, time
from archive.home import Archive
a = Archive.open({home!r})
seen, deadline = [], time.monotonic() + 300
while time.monotonic() < deadline:
    seen.append(a.search("", limit=1)["total"])
    if seen[-1] >= {total}:
        break
    time.sleep(0.05)
print(json.dumps(seen))
"""


def test_parallel_writers_lose_and_duplicate_nothing(home):
    writers, per = 4, 50
    env = {**os.environ, "LETTERS_LOCK_TIMEOUT": "300"}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER.format(
        tests=str(ROOT / "tests"), home=str(home), start=w * per, n=per, w=w)], env=env,
        stderr=subprocess.PIPE, text=True) for w in range(writers)]
    reader = subprocess.Popen([sys.executable, "-c", READER.format(home=str(home), total=writers * per)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
    out, err = reader.communicate(timeout=600)
    assert reader.returncode == 0, err[-2000:]
    seen = json.loads(out)
    assert seen == sorted(seen), "a reader saw the index go backwards"
    a = Archive.open(home)
    letters = a.list()
    assert len(letters) == writers * per
    assert len({r["id"] for r in letters}) == writers * per
    assert len(a.reader.history("letters")) >= writers * per
    a.close()
    assert fsck_clean(home)
    assert_archive_sound(home, expected_letters=writers * per)


def test_two_archivists_editing_from_the_same_version(home, tmp_path):
    src = write_letters(tmp_path / "src", 1)
    rid = json.loads(cli(home, "ingest", str(src), "--author", AUTHOR, "--json").stdout)[0]["id"]
    a = Archive.open(home)
    base = a.version_of(rid)
    first = a.edit(rid, {"title": "First archivist's title"}, base=base, author=AUTHOR)
    from archive.errors import ConflictError
    with pytest.raises(ConflictError) as exc:
        a.edit(rid, {"title": "Second archivist's title"}, base=base, author=AUTHOR)
    assert first["version"] in exc.value.message and exc.value.current == first["version"]
    assert a.record(rid)["title"] == "First archivist's title"
    a.close()


def git(*args, cwd=None):
    subprocess.run(["git", "-c", "user.name=Someone", "-c", "user.email=s@example.org", *args],
                   cwd=cwd, check=True, capture_output=True)


def test_verify_reports_tampering_and_repairs_only_the_index(home, tmp_path):
    src = write_letters(tmp_path / "src", 3)
    results = json.loads(cli(home, "ingest", str(src), "--author", AUTHOR, "--json").stdout)
    assert cli(home, "verify").returncode == 0
    tei_path = results[0]["letter"]["path"]
    orig_path = f"sources/{results[1]['id'][:4]}/{results[1]['id']}/original.txt"

    clone = tmp_path / "clone"
    git("clone", "-q", str(home / "repo.git"), str(clone))
    tei = clone / tei_path
    tei.write_text(tei.read_text(encoding="utf-8").replace("release them", "free them"), encoding="utf-8")
    (clone / orig_path).write_text("a different original\n", encoding="utf-8")
    git("commit", "-qam", "Changed behind the archive's back", cwd=clone)
    git("push", "-q", "origin", "main", cwd=clone)

    # the index is damaged too: it forgets a letter
    from whoosh import index as windex
    ix = windex.open_dir(str(home / "index"))
    w = ix.writer()
    w.delete_by_term("id", results[2]["id"])
    w.commit()
    ix.close()

    res = cli(home, "verify", "--json")
    assert res.returncode == 1
    problems = json.loads(res.stdout)["problems"]
    where = {(p["check"], p["path"]) for p in problems}
    assert ("fixity", tei_path) in where
    assert ("fixity", orig_path) in where
    assert any(p["check"] == "index" for p in problems)

    repaired = cli(home, "verify", "--repair", "--json")
    report = json.loads(repaired.stdout)
    assert report["repaired"] == ["index rebuilt"]
    assert not any(p["check"] == "index" for p in report["problems"])
    assert {(p["check"], p["path"]) for p in report["problems"]} >= {("fixity", tei_path), ("fixity", orig_path)}
    # repair never touches letters: the tampered TEI is still the one in git
    assert "free them" in Archive.open(home).tei(results[0]["id"]).decode()


def test_verify_reports_a_damaged_git_object(home, tmp_path):
    src = write_letters(tmp_path / "src", 1)
    cli(home, "ingest", str(src), "--author", AUTHOR)
    objects = [p for p in (home / "repo.git" / "objects").glob("??/*")]
    victim = max(objects, key=lambda p: p.stat().st_size)
    victim.chmod(0o644)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    res = cli(home, "verify", "--json")
    assert res.returncode == 1
    assert any(p["check"] == "git" for p in json.loads(res.stdout)["problems"])


def test_backup_by_mirror_clone_restores_a_complete_archive(home, tmp_path):
    src = write_letters(tmp_path / "src", 4)
    cli(home, "ingest", str(src), "--author", AUTHOR)
    backup = tmp_path / "backup.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(home / "repo.git"), str(backup)], check=True)
    restored = tmp_path / "restored"
    restored.mkdir()
    subprocess.run(["git", "clone", "-q", "--mirror", str(backup), str(restored / "repo.git")], check=True)
    res = cli(restored, "verify", "--repair")
    assert res.returncode == 0, res.stdout + res.stderr
    for q in ["detention", "country:UZ", "instrument:CAT", ""]:
        a = json.loads(cli(home, "search", q, "--json").stdout)
        b = json.loads(cli(restored, "search", q, "--json").stdout)
        assert a == b


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill the disk needs root (CI runs as root)")
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)], check=True)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_gives_a_clear_error_and_loses_nothing(small_disk, tmp_path):
    home = small_disk / "archive"
    assert cli(home, "init", "--author", AUTHOR).returncode == 0
    src = write_letters(tmp_path / "src", 8)
    assert cli(home, "ingest", str(src / "letter-000.txt"), "--author", AUTHOR).returncode == 0
    filler = small_disk / "filler"
    with open(filler, "wb") as f:  # leave almost nothing free
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    res = cli(home, "ingest", str(src), "--author", AUTHOR)
    assert res.returncode != 0
    assert "Traceback" not in res.stderr
    assert "space" in res.stderr.lower() or "could not write" in res.stderr.lower(), res.stderr
    assert fsck_clean(home)
    filler.unlink()
    assert_archive_sound(home)
    again = cli(home, "ingest", str(src), "--author", AUTHOR)
    assert again.returncode == 0, again.stderr
    assert_archive_sound(home, expected_letters=8)


def test_a_batch_killed_after_its_pack_is_in_place_leaves_main_where_it_was(home, tmp_path):
    """The pack is installed before main moves: killed between the two, the archive is as it
    was (its objects unreferenced), and the same ingest then archives every letter once."""
    src = write_letters(tmp_path / "src", 30)
    before = commits(home)
    res = cli(home, "ingest", str(src), "--author", AUTHOR, env={"LETTERS_FAULT": "batch-pack-installed"})
    assert res.returncode == -signal.SIGKILL
    assert commits(home) == before
    assert list((home / "repo.git" / "objects" / "pack").glob("pack-*.idx"))  # the pack was in place
    assert fsck_clean(home)
    assert_archive_sound(home, expected_letters=0)
    again = cli(home, "ingest", str(src), "--author", AUTHOR)
    assert again.returncode == 0, again.stderr
    assert commits(home) == before + 30
    assert_archive_sound(home, expected_letters=30)


def test_the_unfinished_pack_of_a_killed_batch_is_removed_by_the_next_one(home, tmp_path):
    src = write_letters(tmp_path / "src", 30)
    pack_dir = home / "repo.git" / "objects" / "pack"
    res = cli(home, "ingest", str(src), "--author", AUTHOR, env={"LETTERS_FAULT": "batch-commit-25"})
    assert res.returncode == -signal.SIGKILL
    assert list(pack_dir.glob("tmp_pack_*"))  # 24 letters' objects, never installed
    again = cli(home, "ingest", str(src), "--author", AUTHOR)
    assert again.returncode == 0, again.stderr
    assert not list(pack_dir.glob("tmp_pack_*"))
    assert fsck_clean(home)
    assert_archive_sound(home, expected_letters=30)
