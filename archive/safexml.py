"""The one way the archive parses XML: no entity expansion, no DTD, no network, bounded size.

Every XML document the archive reads (TEI files from archivists, its own TEI, authority
files) goes through `parse`, so a hostile file can neither read local files (XXE) nor
exhaust memory (entity-expansion bombs).
"""
from __future__ import annotations

from lxml import etree

from .errors import IngestError

MAX_XML_BYTES = 20 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False,
        huge_tree=False, remove_comments=False, remove_pis=False, strip_cdata=True)


def parse(data: bytes, name: str = "document") -> etree._Element:
    """Parse XML bytes into an element tree root, refusing DTDs with entities and oversize input."""
    if len(data) > MAX_XML_BYTES:
        raise IngestError(f"{name}: XML larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise IngestError(f"{name}: malformed XML: {exc}") from None
    if root is None:
        raise IngestError(f"{name}: empty XML document")
    doctype = root.getroottree().docinfo
    if doctype.internalDTD is not None or doctype.system_url or doctype.public_id:
        # A letter never needs a DTD; refusing them outright closes XXE and entity bombs.
        raise IngestError(f"{name}: XML with a DOCTYPE declaration is refused (entities are not allowed)")
    return root
