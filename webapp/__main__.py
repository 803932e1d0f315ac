"""`python -m webapp --home DIR --host H --port P`: serve the archive (what `letters serve` runs)."""
from __future__ import annotations

import argparse
import os
import sys

from werkzeug.serving import run_simple

from . import create_app


def main(argv=None):
    parser = argparse.ArgumentParser(prog="letters serve")
    parser.add_argument("--home", default=os.environ.get("LETTERS_HOME", "data"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    app = create_app({"LETTERS_HOME": args.home})
    print(f"Serving the archive in {args.home} at http://{args.host}:{args.port}/", file=sys.stderr,
          flush=True)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
