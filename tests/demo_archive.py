"""The demo archive (every sample letter), built once per test session and shared by the
search, browse and browser tests, which only read it."""
from __future__ import annotations

import json

from click.testing import CliRunner

from archive.cli import main
from conftest import AUTHOR, SAMPLES

_built = {}


def demo_home(tmp_path_factory):
    """The home of the demo archive; built on first use (ingesting takes a while)."""
    if "home" not in _built:
        home = tmp_path_factory.getbasetemp() / "demo-archive"
        runner = CliRunner()
        assert runner.invoke(main, ["init", "--home", str(home), "--author", AUTHOR]).exit_code == 0
        res = runner.invoke(main, ["ingest", str(SAMPLES), "--home", str(home), "--author", AUTHOR, "--json"])
        failures = [r for r in json.loads(res.stdout) if not r["ok"]]
        assert not failures, failures
        _built["home"] = home
    return _built["home"]
