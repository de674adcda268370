"""Generators of hostile and odd input files, built at test time (no binaries in the repo).

Each `make_*` returns bytes; `write_all(dir)` writes the whole set with the rejection code each
one must get (None = must be reviewed). All are small on disk; the bombs are small compressed.
"""
from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOC_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:document xmlns:w="{W}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>'
)
_DOC_CLOSE = "<w:sectPr/></w:body></w:document>"

_BASE: bytes | None = None


def base_docx() -> bytes:
    """python-docx's default document with two short paragraphs: a real, complete package."""
    global _BASE
    if _BASE is None:
        d = docx.Document()
        d.add_heading("What You Did", 1)
        d.add_paragraph("I led the migration of the billing service and cut p99 latency by 40%.")
        buf = io.BytesIO()
        d.save(buf)
        _BASE = buf.getvalue()
    return _BASE


def replace_members(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None,
                    drop: set[str] = frozenset()) -> bytes:
    """Copy a zip, swapping, adding or dropping members."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zw:
        for info in src.infolist():
            if info.filename in drop:
                continue
            zw.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, blob in (add or {}).items():
            zw.writestr(name, blob)
    return out.getvalue()


def with_document_xml(xml: str | bytes) -> bytes:
    return replace_members(base_docx(), {"word/document.xml": xml.encode() if isinstance(xml, str) else xml})


def paragraphs_xml(texts) -> str:
    return "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{t}</w:t></w:r></w:p>" for t in texts)


# ---------------------------------------------------------------- zip attacks


def make_zip_bomb(mb: int = 20) -> bytes:
    """A valid packet plus a member of `mb` MB of zeros (compresses ~1000:1)."""
    out = io.BytesIO(base_docx())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zw:
        with zw.open("word/media/padding.bin", "w", force_zip64=True) as fh:
            chunk = bytes(1 << 20)
            for _ in range(mb):
                fh.write(chunk)
    return out.getvalue()


def make_lying_sizes() -> bytes:
    """Central directory claims a tiny uncompressed size: reading must not trust it."""
    data = bytearray(make_zip_bomb(3))
    # Patch the "uncompressed size" field of padding.bin's central directory record.
    name = b"word/media/padding.bin"
    at = data.rfind(name)
    cd = data.rfind(b"PK\x01\x02", 0, at)
    struct.pack_into("<I", data, cd + 24, 1000)
    return bytes(data)


def make_many_members(n: int = 3000) -> bytes:
    out = io.BytesIO(base_docx())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as zw:
        for i in range(n):
            zw.writestr(f"customXml/x{i}.bin", b"")
    return out.getvalue()


def make_truncated() -> bytes:
    data = base_docx()
    return data[: len(data) // 2]


def make_bad_crc() -> bytes:
    """A stored member whose bytes were changed after its CRC was written."""
    out = io.BytesIO()
    src = zipfile.ZipFile(io.BytesIO(base_docx()))
    with zipfile.ZipFile(out, "w") as zw:
        for info in src.infolist():
            zw.writestr(info.filename, src.read(info.filename), compress_type=zipfile.ZIP_STORED)
    data = bytearray(out.getvalue())
    at = data.find(b"billing service")
    data[at] ^= 0x20
    return bytes(data)


# ---------------------------------------------------------------- XML attacks


def make_billion_laughs() -> bytes:
    ents = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f"<!DOCTYPE w:document [{ents}]>\n"
           + _DOC_OPEN.split("\n", 1)[1] + "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>" + _DOC_CLOSE)
    return with_document_xml(xml)


def make_external_entity(target: str = "file:///etc/passwd") -> bytes:
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{target}">]>\n'
           + _DOC_OPEN.split("\n", 1)[1] + "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>" + _DOC_CLOSE)
    return with_document_xml(xml)


def make_external_dtd() -> bytes:
    """Parameter-entity / external DTD in a relationships part, not the main part."""
    data = base_docx()
    rels = zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels")
    rels = rels.replace(b"?>", b'?>\n<!DOCTYPE Relationships SYSTEM "http://127.0.0.1:9/evil.dtd">', 1)
    return replace_members(data, {"word/_rels/document.xml.rels": rels})


def make_deep_nesting(depth: int = 400) -> bytes:
    """Tables nested inside cells, `depth` elements deep: valid XML, absurd structure."""
    levels = depth // 3 + 1
    inner = "<w:p><w:r><w:t>deep</w:t></w:r></w:p>"
    xml = _DOC_OPEN + "<w:tbl><w:tr><w:tc>" * levels + inner + "</w:tc></w:tr></w:tbl>" * levels + _DOC_CLOSE
    return with_document_xml(xml)


# ---------------------------------------------------------------- OLE / CFB


def make_cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (v3, 512-byte sectors) holding `streams` at the root.

    Streams are padded to 4096 bytes so none lives in the mini stream; enough for type sniffing.
    """
    names = list(streams)
    assert len(names) <= 3
    blobs = [streams[n].ljust(4096, b"\0") for n in names]
    # sector 0: FAT, sector 1: directory, then 8 sectors per stream
    fat = [0xFFFFFFFD, 0xFFFFFFFE]
    starts = []
    for _ in blobs:
        start = len(fat)
        starts.append(start)
        fat += [start + k + 1 for k in range(7)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))

    def entry(name, kind, child=0xFFFFFFFF, right=0xFFFFFFFF, start=0xFFFFFFFE, size=0):
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", 0xFFFFFFFF, right, child) + bytes(16) + struct.pack("<I", 0)
                + bytes(16) + struct.pack("<IQ", start, size))

    # CFB orders siblings by (length, upper-case name): sort and chain as right siblings.
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    ids = {i: k + 1 for k, i in enumerate(order)}
    dirs = [entry("Root Entry", 5, child=ids[order[0]] if names else 0xFFFFFFFF)]
    for k, i in enumerate(order):
        right = ids[order[k + 1]] if k + 1 < len(order) else 0xFFFFFFFF
        dirs.append(entry(names[i], 2, right=right, start=starts[i], size=len(blobs[i])))
    while len(dirs) < 4:
        dirs.append(bytes(64) + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", *[0xFFFFFFFF] * 3) + bytes(48))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108)
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + b"".join(dirs) + b"".join(blobs)


def make_encrypted_ooxml() -> bytes:
    """What Word writes for a password-protected .docx: an OLE file, not a zip."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    return make_cfb({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 4096) + bytes(64)})


def make_legacy_doc(encrypted: bool = False) -> bytes:
    """A Word 97-2003 shell: WordDocument stream with a FIB header (fEncrypted when asked)."""
    flags = 0x0100 if encrypted else 0
    fib = struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0, 0x0409, 0, flags)
    return make_cfb({"WordDocument": fib, "1Table": b""})


def make_excel_ole() -> bytes:
    return make_cfb({"Workbook": b"\x09\x08"})


# ---------------------------------------------------------------- not Word at all


NOT_WORD = {
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
    "rtf": b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Hello}",
    "html": b"<!DOCTYPE html><html><head><title>x</title></head><body><p>Hello</p></body></html>",
    "text": b"Just some plain text that somebody renamed to .docx.\n",
    "random": bytes((i * 131 + 7) % 256 for i in range(2048)),
    "plain-zip": None,  # filled lazily: a zip without [Content_Types].xml
}


def make_plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zw:
        zw.writestr("notes.txt", "hello")
    return out.getvalue()


def make_odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zw:
        zw.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zw.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


# ---------------------------------------------------------------- odd but valid / other kinds


def _set_main_content_type(data: bytes, ctype: str) -> bytes:
    ct = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").replace(CT_DOCX.encode(), ctype.encode())
    return replace_members(data, {"[Content_Types].xml": ct})


def make_template() -> bytes:
    return _set_main_content_type(
        base_docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml")


def make_docm() -> bytes:
    """A macro-enabled document: vbaProject.bin + its relationship + macro content type."""
    data = _set_main_content_type(base_docx(), "application/vnd.ms-word.document.macroEnabled.main+xml")
    z = zipfile.ZipFile(io.BytesIO(data))
    ct = z.read("[Content_Types].xml").replace(
        b"<Default ", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
    rels = z.read("word/_rels/document.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        b'Target="vbaProject.bin"/></Relationships>')
    return replace_members(data, {"[Content_Types].xml": ct, "word/_rels/document.xml.rels": rels},
                           add={"word/vbaProject.bin": make_cfb({"VBA": b"Attribute VB_Name = \"x\""})})


STRICT_NS = {
    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main": b"http://purl.oclc.org/ooxml/wordprocessingml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument":
        b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles":
        b"http://purl.oclc.org/ooxml/officeDocument/relationships/styles",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"":
        b"http://purl.oclc.org/ooxml/officeDocument/relationships\"",
}


def make_strict() -> bytes:
    """The base packet with Strict OOXML namespaces in its main, styles and relationship parts."""
    data = base_docx()
    z = zipfile.ZipFile(io.BytesIO(data))
    repl = {}
    for name in ("word/document.xml", "word/styles.xml", "_rels/.rels", "word/_rels/document.xml.rels"):
        blob = z.read(name)
        for a, b in STRICT_NS.items():
            blob = blob.replace(a, b)
        repl[name] = blob
    return replace_members(data, repl)


def make_no_text() -> bytes:
    return with_document_xml(_DOC_OPEN + "<w:p/><w:p><w:r><w:t>   </w:t></w:r></w:p>" + _DOC_CLOSE)


def make_many_paragraphs(n: int = 50_000) -> bytes:
    """`n` short, varied paragraphs (realistic compression), generated as XML in well under a second."""
    words = ("shipped", "owned", "reduced", "latency", "by", "the", "payments", "team", "launch", "incident",
             "migrated", "cluster", "cost", "saved", "quarter", "design", "review", "mentored", "two", "engineers")
    texts = (" ".join(words[(i * k + k) % len(words)] for k in range(1, 5)) + f" {i}." for i in range(n))
    return with_document_xml(_DOC_OPEN + paragraphs_xml(texts) + _DOC_CLOSE)


def make_missing_part() -> bytes:
    data = base_docx()
    rels = zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rIdImg" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        b'Target="media/gone.png"/></Relationships>')
    return replace_members(data, {"word/_rels/document.xml.rels": rels})


def make_malformed_main() -> bytes:
    return with_document_xml(_DOC_OPEN + "<w:p><w:r><w:t>unclosed</w:r></w:p>" + _DOC_CLOSE)


def make_wrong_root() -> bytes:
    """core.xml whose root is not cp:coreProperties: python-docx fails late on .core_properties."""
    data = base_docx()
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml")
    return replace_members(data, {"docProps/core.xml": core.replace(b"cp:coreProperties", b"cp:coreProperties2")})


# name -> (factory, expected check_container code or None if it must be reviewed)
HOSTILE = {
    "empty.docx": (lambda: b"", "empty"),
    "zip-bomb.docx": (make_zip_bomb, "zip-bomb"),
    "lying-sizes.docx": (make_lying_sizes, "corrupt-zip"),
    "many-members.docx": (make_many_members, "zip-bomb"),
    "truncated.docx": (make_truncated, "corrupt-zip"),
    "bad-crc.docx": (make_bad_crc, "corrupt-zip"),
    "billion-laughs.docx": (make_billion_laughs, "unsafe-xml"),
    "xxe-file.docx": (make_external_entity, "unsafe-xml"),
    "xxe-http.docx": (lambda: make_external_entity("http://127.0.0.1:9/x"), "unsafe-xml"),
    "external-dtd-in-rels.docx": (make_external_dtd, "unsafe-xml"),
    "deep-nesting.docx": (make_deep_nesting, "unsafe-xml"),
    "encrypted.docx": (make_encrypted_ooxml, "encrypted"),
    "renamed-doc.docx": (make_legacy_doc, "legacy-doc"),
    "encrypted-doc.docx": (lambda: make_legacy_doc(encrypted=True), "encrypted"),
    "excel-renamed.docx": (make_excel_ole, "not-word"),
    "pdf-renamed.docx": (lambda: NOT_WORD["pdf"], "not-word"),
    "rtf-renamed.docx": (lambda: NOT_WORD["rtf"], "not-word"),
    "html-renamed.docx": (lambda: NOT_WORD["html"], "not-word"),
    "text-renamed.docx": (lambda: NOT_WORD["text"], "not-word"),
    "random-bytes.docx": (lambda: NOT_WORD["random"], "not-word"),
    "plain-zip.docx": (make_plain_zip, "not-word"),
    "odt-renamed.docx": (make_odt, "not-word"),
    "template.dotx": (make_template, "template"),
    "no-text.docx": (make_no_text, "no-text"),
    "missing-part.docx": (make_missing_part, "corrupt-docx"),
    "malformed-main.docx": (make_malformed_main, "corrupt-docx"),
    "wrong-root-core.docx": (make_wrong_root, "corrupt-docx"),
    # reviewed, possibly after normalisation
    "macro.docm": (make_docm, None),
    "strict.docx": (make_strict, None),
    "many-paragraphs.docx": (make_many_paragraphs, None),
}


def write_all(folder: Path, names=None) -> dict[Path, str | None]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (factory, code) in HOSTILE.items():
        if names is not None and name not in names:
            continue
        path = folder / name
        path.write_bytes(factory())
        out[path] = code
    return out
