"""promolint.docxsave against python-docx's own save, on real packets."""
from __future__ import annotations

import io
import zipfile

import docx
import pytest

from conftest import EXAMPLES
from promolint.docxsave import docx_bytes

PACKETS = sorted(EXAMPLES.glob("*.docx"))


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


@pytest.mark.parametrize("packet", PACKETS[:3], ids=lambda p: p.name)
def test_same_parts_as_document_save(packet):
    reference = io.BytesIO()
    doc = docx.Document(str(packet))
    doc.add_paragraph("an edit, so a changed part is written too")
    doc.save(reference)
    fast = docx_bytes(doc)
    assert _members(fast) == _members(reference.getvalue())
    assert docx.Document(io.BytesIO(fast)).paragraphs[-1].text == "an edit, so a changed part is written too"
    with zipfile.ZipFile(io.BytesIO(fast)) as z:
        assert z.testzip() is None
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
