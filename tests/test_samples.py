"""The bundled sample letters: they build the demo archive, and every TEI is valid TEI P5."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from lxml import etree

from archive.cli import main
from archive.home import Archive
from conftest import AUTHOR, SAMPLES


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo") / "data"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--home", str(home)]).exit_code == 0
    res = runner.invoke(main, ["ingest", str(SAMPLES), "--home", str(home), "--author", AUTHOR, "--json"])
    results = json.loads(res.stdout)
    a = Archive.open(home)
    yield a, results
    a.close()


def test_every_sample_is_archived(demo):
    a, results = demo
    failures = [r for r in results if not r["ok"]]
    assert not failures, failures
    bases = [p for p in SAMPLES.rglob("*.txt") if ".v" not in p.stem]
    assert len(a.list()) == len(bases) >= 13


def test_version_chains_become_histories(demo):
    a, _ = demo
    chains = {p.name.split(".v")[0] for p in SAMPLES.rglob("*.v*.txt")}
    assert len(chains) >= 2
    lengths = sorted(len(a.history(r["id"])) for r in a.list())
    assert lengths.count(1) == len(lengths) - len(chains)
    assert max(lengths) >= 3


def test_every_sample_tei_is_valid_against_tei_all(demo, tei_all):
    a, _ = demo
    for rec in a.list():
        tree = etree.fromstring(a.tei(rec["id"]))
        assert tei_all.validate(tree), (rec["id"], str(tei_all.error_log)[:500])
    assert a.validate() == []


def test_authority_files_are_in_the_repository_and_valid(demo, tei_all):
    a, _ = demo
    registers = [p for p in a.repo.git.ls_tree("-r", "--name-only", "main", "authority/officials/").split()]
    assert "authority/officials/uz/m.xml" in registers   # Mirzaev
    uz = a.reader.read("authority/officials/uz/m.xml").decode()
    assert "Bakhtiyor Mirzaev" in uz and "2006-03-08-atan-uz" in uz
    for path in ["authority/instruments.xml", "authority/organisations.xml", *registers]:
        tree = etree.fromstring(a.reader.read(path))
        assert tei_all.validate(tree), (path, str(tei_all.error_log)[:500])
