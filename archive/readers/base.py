"""What every reader returns: the letter's blocks plus what the format itself carried."""
from __future__ import annotations

from dataclasses import dataclass, field

from archive.letter import Block


@dataclass
class ReadResult:
    """One source file, read: structure blocks, format metadata, and reader warnings."""
    blocks: list[Block]
    meta: dict = field(default_factory=dict)      # e.g. {"encoding": "windows-1252"}; later title/date/author/url
    format: str = ""                              # "text", "html", "docx", "pdf", "tei", ...
    warnings: list[str] = field(default_factory=list)
