"""Build the held-out Word, PDF and e-mail-with-attachment letters from their text sources.

Same source format and same builders as `tests/extraction/make_binaries.py` (imported from
there, not copied): `sources/<name>.<ext>.txt`, one line per letter line, `@header ` /
`@footer ` for running lines, `@attach <file>` in an `.eml.txt` source. The evaluation builds
the files in memory; `python make_binaries.py OUTDIR` writes them out for a look.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
_DEV = HERE.parent / "extraction" / "make_binaries.py"

_spec = importlib.util.spec_from_file_location("extraction_make_binaries", _DEV)
_dev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_dev)

docx_bytes, pdf_bytes, eml_bytes, BUILDERS = _dev.docx_bytes, _dev.pdf_bytes, _dev.eml_bytes, _dev.BUILDERS
build = _dev.build   # (file name, bytes) of the letter a `<name>.<ext>.txt` source describes


def main(outdir: str) -> None:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for source in sorted(SOURCES.glob("*.txt")):
        name, data = build(source)
        (out / name).write_bytes(data)
        print(name)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "built")
