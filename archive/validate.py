"""TEI validation against the project's customisation, schemas/letter.rng."""
from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from .errors import ValidationError

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
LETTER_SCHEMA = SCHEMA_DIR / "letter.rng"


@functools.lru_cache(maxsize=None)
def _schema(path: str) -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(path))


def schema_errors(tree, schema_path: Path = LETTER_SCHEMA) -> list[str]:
    """The validation errors of a parsed TEI tree (empty when valid)."""
    schema = _schema(str(schema_path))
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def validate_letter(tree, name: str = "letter") -> None:
    """Raise ValidationError unless the tree satisfies schemas/letter.rng."""
    errors = schema_errors(tree)
    if errors:
        raise ValidationError(f"{name}: not valid against letter.rng: " + "; ".join(errors[:5]))
