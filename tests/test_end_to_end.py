"""The foundation's whole journey: file -> TEI -> git -> index -> CLI and web."""
from __future__ import annotations

import json
import subprocess

from click.testing import CliRunner

from archive.cli import main
from conftest import AUTHOR, SEED

SEED_FLAGS = ["--date", "2005-05-16", "--sender-org", "Human Rights Watch",
              "--source-url", "https://www.hrw.org/news/2005/05/16/kyrgyzstan-ensure-safety-refugees"]


def run(home, *args, ok=True):
    result = CliRunner().invoke(main, [*args, "--home", str(home)], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def test_seed_letter_journey(tmp_path):
    home = tmp_path / "data"
    run(home, "init", "--author", AUTHOR)
    out = run(home, "ingest", str(SEED), *SEED_FLAGS, "--author", AUTHOR, "--json")
    results = json.loads(out.stdout)
    assert len(results) == 1 and results[0]["ok"], results
    letter_id, v1 = results[0]["id"], results[0]["version"]
    assert letter_id == "2005-05-16-hrw-kg"

    # one commit holding its TEI (and the original file)
    git_dir = home / "repo.git"
    files = subprocess.run(["git", "--git-dir", str(git_dir), "show", "--name-only", "--format=%an <%ae>", v1],
                           capture_output=True, text=True, check=True).stdout.split()
    assert "letters/2005/2005-05-16-hrw-kg.xml" in files
    assert "sources/2005/2005-05-16-hrw-kg/original.txt" in files
    assert "Archivist" in files[1]

    rec = json.loads(run(home, "show", letter_id, "--json").stdout)
    assert {c["code"] for c in rec["countries"]} == {"KG", "UZ"}
    inst = {i["id"]: i for i in rec["instruments"]}
    assert inst["udhr"]["articles"] == ["14"]
    assert inst["refugee-convention"]["articles"] == ["31"]
    assert "cat" in inst and "iccpr" in inst
    assert {"name": "Holly Cartner", "role": "Executive director, Europe and Central Asia division"} \
        in rec["sender"]["signatories"]
    assert rec["sender"]["organisations"][0]["name"] == "Human Rights Watch"
    assert rec["date"] == "2005-05-16"
    assert "Skip to main content" not in rec["text"]
    assert "tax deductible" not in rec["text"]
    assert rec["text"].startswith("We call on you to use your good offices")

    hits = json.loads(run(home, "search", "country:KG", "--json").stdout)
    assert [h["id"] for h in hits["hits"]] == [letter_id]

    # change one sentence
    old_sentence = "We thank you for your attention to the above concerns."
    new_sentence = "We thank you for your prompt attention to these concerns."
    assert old_sentence in rec["text"]
    edited = tmp_path / "edited.txt"
    edited.write_text(rec["text"].replace(old_sentence, new_sentence), encoding="utf-8")
    run(home, "edit", letter_id, "--text-file", str(edited), "-m", "Fix the closing sentence",
        "--author", AUTHOR, "--base", v1)

    hist = json.loads(run(home, "history", letter_id, "--json").stdout)
    assert len(hist) == 2
    assert hist[1]["version"] == v1
    assert hist[0]["message"].startswith("Fix the closing sentence")
    v2 = hist[0]["version"]

    d = json.loads(run(home, "diff", letter_id, v1[:8], v2, "--json").stdout)
    assert len(d["changes"]) == 1, d["changes"]
    change = d["changes"][0]
    assert change["kind"] == "replace"
    assert change["before"] == old_sentence and change["after"] == new_sentence

    # the metadata survived the edit: archivist values kept, extraction redone
    rec2 = json.loads(run(home, "show", letter_id, "--json").stdout)
    assert rec2["date"] == "2005-05-16" and rec2["version"] == v2
    assert rec2["instruments"] == rec["instruments"]
    old = json.loads(run(home, "show", letter_id, "--at", v1[:10], "--json").stdout)
    assert old["version"] == v1 and old_sentence in old["text"]

    # an edit based on the old version is a conflict, not an overwrite
    res = run(home, "edit", letter_id, "--set", "title=Another title", "--base", v1, ok=False)
    assert res.exit_code != 0 and "Error:" in res.stderr and v2 in res.stderr

    # the web shows the same
    from webapp import create_app
    client = create_app({"LETTERS_HOME": str(home), "TESTING": True}).test_client()
    page = client.get("/search.json?q=country:KG").get_json()
    assert [h["id"] for h in page["hits"]] == [letter_id]
    assert client.get(f"/letters/{letter_id}.json").get_json()["version"] == v2
    assert client.get(f"/letters/{letter_id}").status_code == 200
    web_diff = client.get(f"/letters/{letter_id}/diff/{v1}..{v2}.json").get_json()
    assert web_diff["changes"] == d["changes"]
    assert len(client.get(f"/letters/{letter_id}/history.json").get_json()) == 2


def test_reindex_gives_identical_results(tmp_path):
    home = tmp_path / "data"
    run(home, "init", "--author", AUTHOR)
    run(home, "ingest", str(SEED), *SEED_FLAGS, "--author", AUTHOR)
    queries = ["refugee", "country:UZ", "instrument:iccpr", "Holly Cartner", 'org:"Human Rights Watch"']
    before = [json.loads(run(home, "search", q, "--json").stdout) for q in queries]
    run(home, "reindex")
    after = [json.loads(run(home, "search", q, "--json").stdout) for q in queries]
    assert before == after
    assert all(r["total"] == 1 for r in before)


def test_user_errors_are_one_line_not_tracebacks(tmp_path):
    home = tmp_path / "data"
    res = run(home, "list", ok=False)
    assert res.exit_code == 1 and res.stderr.startswith("Error: no archive")
    run(home, "init")
    res = run(home, "show", "no-such-letter", ok=False)
    assert res.exit_code == 1 and "Error:" in res.stderr and "Traceback" not in res.output
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    res = run(home, "ingest", str(empty), "--json", ok=False)
    assert res.exit_code == 1
    assert json.loads(res.stdout)[0]["ok"] is False
    assert "empty.txt" in json.loads(res.stdout)[0]["error"]
    res = run(home, "ingest", str(SEED), "--date", "16/05/2005", ok=False)
    assert res.exit_code == 1 and "YYYY" in res.stderr
