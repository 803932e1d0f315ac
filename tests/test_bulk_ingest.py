"""Bulk ingest of a folder of 200 mixed files (and a zip): every file reported, no partial commit."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import zipfile
from pathlib import Path

import pytest

from archive.home import Archive
from archive.letter import Block, Letter
from archive.tei import to_tei
from archive.verify import verify
from archive.writer import FAMILY_REPORT_MAX
from conftest import AUTHOR, ROOT
from test_guarantees import letter_text

LETTERS = str(ROOT / ".venv" / "bin" / "letters")
BROKEN = {25: ("empty.txt", b""), 75: ("garbage.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
          125: ("broken.xml", b"<TEI><teiHeader>"), 175: ("renamed.docx", b"just text, not a zip")}


def html_page(text: str) -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return (f"<!doctype html><html><head><title>Open letter</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/about'>About us</a> <a href='/donate'>Donate</a></nav>"
            f"<div class='cookie-banner'>We use cookies. Accept all cookies</div>"
            f"<main><article><h1>Open letter</h1>{paras}</article></main>"
            f"<aside class='related'><h2>Related articles</h2><p>Another story</p></aside>"
            f"<footer>© Example Rights Monitor. All rights reserved.</footer></body></html>").encode()


def docx_file(text: str) -> bytes:
    import docx
    d = docx.Document()
    for p in text.split("\n\n"):
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def eml_file(text: str, i: int) -> bytes:
    from email.message import EmailMessage
    m = EmailMessage()
    m["From"] = "Example Rights Monitor <office@example.org>"
    m["To"] = "ministry@example.gov"
    m["Subject"] = f"Open letter {i}"
    m["Date"] = "Tue, 15 Mar 2016 10:00:00 +0000"
    m.set_content(text)
    return m.as_bytes()


def tei_file(text: str, i: int) -> bytes:
    blocks = [Block("p", p) for p in text.split("\n\n")]
    return to_tei(Letter(id=f"imported-{i}", title=f"Imported letter {i}", date="2016-03-15", blocks=blocks))


def mixed_folder(folder: Path, n: int = 200) -> dict:
    folder.mkdir(parents=True)
    made = {}
    for i in range(n):
        if i in BROKEN:
            name, data = BROKEN[i]
            name = f"{i:03d}-{name}"
        else:
            text = letter_text(i)
            kind = i % 5
            name, data = [(f"{i:03d}.txt", text.encode()), (f"{i:03d}.html", html_page(text)),
                          (f"{i:03d}.docx", docx_file(text)), (f"{i:03d}.eml", eml_file(text, i)),
                          (f"{i:03d}.xml", tei_file(text, i))][kind]
        sub = folder / f"batch-{i // 50}"
        sub.mkdir(exist_ok=True)
        (sub / name).write_bytes(data)
        made[str(sub / name)] = i in BROKEN
    return made


def cli(home, *args, env=None):
    return subprocess.run([LETTERS, *args, "--home", str(home)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def commits(home) -> int:
    return int(subprocess.run(["git", "--git-dir", str(home / "repo.git"), "rev-list", "--count", "main"],
                              capture_output=True, text=True, check=True).stdout)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    made = mixed_folder(root / "letters")
    return root / "letters", made


def test_a_folder_of_200_mixed_files(folder, tmp_path):
    src, made = folder
    home = tmp_path / "archive"
    cli(home, "init", "--author", AUTHOR)
    before = commits(home)
    res = cli(home, "ingest", str(src), "--author", AUTHOR, "--json")
    assert res.returncode == 1  # some files are broken
    results = json.loads(res.stdout)
    assert sorted(r["file"] for r in results) == sorted(made)
    failed = {r["file"] for r in results if not r["ok"]}
    assert failed == {f for f, broken in made.items() if broken}
    for r in results:
        if not r["ok"]:
            assert Path(r["file"]).name in r["error"] and "FAILED" in res.stderr
    archived = [r for r in results if r["ok"]]
    assert len({r["id"] for r in archived}) == len(archived) == 200 - len(BROKEN)
    assert commits(home) == before + len(archived)  # one commit per letter, none for failures
    a = Archive.open(home)
    assert {r["format"] for r in (a.record(x["id"])["source"] for x in archived)} == \
        {"text", "html", "docx", "email", "tei"}
    report = verify(a)
    assert report["ok"], report["problems"]
    assert a.search("defenders", limit=1)["total"] == len(archived)
    a.close()


def test_killed_in_the_middle_of_the_stream_commits_nothing(folder, tmp_path):
    src, made = folder
    home = tmp_path / "archive"
    cli(home, "init", "--author", AUTHOR)
    before = commits(home)
    res = cli(home, "ingest", str(src / "batch-0"), "--author", AUTHOR, env={"LETTERS_FAULT": "batch-commit-20"})
    assert res.returncode == -signal.SIGKILL
    assert commits(home) == before  # no partial batch
    assert subprocess.run(["git", "--git-dir", str(home / "repo.git"), "fsck", "--strict"]).returncode == 0
    again = cli(home, "ingest", str(src / "batch-0"), "--author", AUTHOR, "--json")
    archived = [r for r in json.loads(again.stdout) if r["ok"]]
    assert len(archived) == 49 and commits(home) == before + 49


def test_a_zip_of_letters_with_sidecars(tmp_path):
    home = tmp_path / "archive"
    cli(home, "init", "--author", AUTHOR)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(3):
            z.writestr(f"letters/l{i}.txt", letter_text(i))
        z.writestr("letters/l0.json", json.dumps({"source_url": "https://example.org/l0"}))
        z.writestr("../../escape.txt", letter_text(9))  # never written anywhere, never read
    (tmp_path / "batch.zip").write_bytes(buf.getvalue())
    res = cli(home, "ingest", str(tmp_path / "batch.zip"), "--author", AUTHOR, "--json")
    assert res.returncode == 0, res.stderr
    results = json.loads(res.stdout)
    assert len(results) == 3 and all(r["ok"] for r in results)
    by_name = {r["file"].split("!")[-1]: r for r in results}
    assert by_name["letters/l0.txt"]["letter"]["source"]["url"] == "https://example.org/l0"
    assert not (tmp_path.parent / "escape.txt").exists()


def _batch(n: int, corrected: int):
    """n letters; letter `corrected` has a source URL set by the archivist, and its next version
    (whose file gives none) follows it."""
    for i in range(n):
        hints = {"source_url": "https://example.org/corrected"} if i == corrected else {}
        yield letter_text(i).encode(), f"l{i}.txt", hints
        if i == corrected:
            yield (letter_text(i) + "\nA line added in the second version.").encode(), f"l{i}.v2.txt", {}, \
                {"version_of_item": i}


@pytest.mark.parametrize("n", [5, FAMILY_REPORT_MAX + 20])
def test_a_later_version_in_the_batch_keeps_the_archivists_corrections(tmp_path, n):
    """A large batch keeps none of its letters (its results give ids, versions and paths); a
    later version in it still takes over the corrections the archivist made to the first."""
    a = Archive.init(tmp_path / "archive", AUTHOR)
    try:
        # An early letter: its id has no suffix, the one its TEI was first written under.
        results = a.ingest_many(_batch(n, corrected=2), AUTHOR)
        assert len(results) == n + 1 and all(r["ok"] and not r.get("duplicate") for r in results)
        first, second = results[2], results[3]
        assert second["id"] == first["id"] and second["version"] != first["version"]
        for r in results:
            assert r["path"] == a.record(r["id"], at=r["version"])["path"]
            assert ("letter" in r) == (n <= FAMILY_REPORT_MAX)  # records only for a small batch
        latest = a.record(first["id"])
        assert latest["source"]["url"] == "https://example.org/corrected"
        assert latest["provenance"]["source.url"] == "archivist"
        assert "added in the second version" in latest["text"]
    finally:
        a.close()


def test_a_file_that_cannot_be_read_takes_its_later_versions_with_it(tmp_path):
    src = tmp_path / "letters"
    src.mkdir()
    (src / "a.txt").write_text(letter_text(1))
    (src / "a.json").write_text("{not json")
    (src / "a.v2.txt").write_text(letter_text(1) + "\nSecond version.")
    (src / "b.txt").write_text(letter_text(2))
    (src / "b.v2.txt").write_text(letter_text(2) + "\nSecond version.")
    home = tmp_path / "archive"
    cli(home, "init", "--author", AUTHOR)
    res = cli(home, "ingest", str(src), "--author", AUTHOR, "--json")
    assert res.returncode == 1
    by_name = {Path(r["file"]).name: r for r in json.loads(res.stdout)}
    assert list(by_name) == ["a.txt", "a.v2.txt", "b.txt", "b.v2.txt"]
    assert "sidecar" in by_name["a.txt"]["error"]
    assert "its first version could not be ingested" in by_name["a.v2.txt"]["error"]
    assert by_name["b.txt"]["ok"] and by_name["b.v2.txt"]["ok"]
    assert by_name["b.v2.txt"]["id"] == by_name["b.txt"]["id"] != by_name["b.v2.txt"].get("duplicate")
    assert by_name["b.v2.txt"]["version"] != by_name["b.txt"]["version"]


def test_a_large_batch_has_the_main_line_recorded_beside_it(tmp_path, monkeypatch):
    """After a batch of more commits than a read would walk one by one, a detached process
    records the main line, so the first read of an old version does not rebuild it."""
    import time
    from archive import mainline
    monkeypatch.setattr(mainline, "WALK_LIMIT", 10)
    a = Archive.init(tmp_path / "archive", AUTHOR)
    try:
        results = a.ingest_many(_batch(20, corrected=2), AUTHOR)
        assert all(r["ok"] for r in results)
        head = a.reader.head()
        deadline = time.time() + 30
        while not mainline._depths(a.reader.cache, (head, head)) and time.time() < deadline:
            time.sleep(0.1)
        assert mainline._depths(a.reader.cache, (head, head)), "the main line was not recorded"
        first = results[2]
        assert mainline.on_chain(a.reader, a.reader.cache, first["version"], head)
        assert a.get(first["id"], at=first["version"])[1] == first["version"]
    finally:
        a.close()
