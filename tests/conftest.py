"""Shared fixtures: the official TEI schema (compiled once), real archives in tmp dirs."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "hrw-2005-kyrgyzstan-andijan.txt"
AUTHOR = "Test Archivist <test@example.org>"


@pytest.fixture(scope="session")
def tei_all():
    """The official TEI P5 4.12.0 schema (compiling it takes several seconds)."""
    path = SHARED / "schemas" / "tei_all.rng"
    if not path.exists():
        pytest.fail("the official TEI schema is missing: expected shared/schemas/tei_all.rng beside the project")
    return etree.RelaxNG(etree.parse(str(path)))


@pytest.fixture
def home(tmp_path):
    return tmp_path / "archive"


@pytest.fixture
def archive(home):
    from archive.home import Archive
    a = Archive.init(home, AUTHOR)
    yield a
    a.close()


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch):
    # Tests must not depend on the machine's git identity.
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Archivist")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.org")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Archivist")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.org")
