"""check_container against generated hostile files: the right code, a clean reason, nothing else."""
from __future__ import annotations

import io
import threading
import time
import zipfile

import docx
import pytest
from docx.oxml.parser import parse_xml

import hostile
from promolint.extractors.container import CODES, check_container
from promolint.deadline import check_deadline, packet_deadline
from promolint.config import LimitsConfig
from promolint.errors import PacketRejected

LIMITS = LimitsConfig()
SECRET = "billing service"  # packet text in hostile.base_docx(); must never appear in a reason


def _reject(data: bytes, limits=LIMITS, source="packet.docx") -> PacketRejected:
    with pytest.raises(PacketRejected) as exc:
        check_container(data, source, limits)
    return exc.value


@pytest.mark.parametrize("name", [n for n, (_, code) in hostile.HOSTILE.items() if code])
def test_hostile_file_is_rejected_with_its_code(name):
    factory, code = hostile.HOSTILE[name]
    e = _reject(factory(), source=name)
    assert e.code == code
    assert e.code in CODES
    assert e.source == name and str(e) == f"{name}: {e.reason}"
    assert "\n" not in e.reason and "Traceback" not in e.reason and "Error" not in e.reason
    assert SECRET not in e.reason and len(e.reason) < 200


def test_attack_reasons_name_the_attack():
    assert "DTD" in _reject(hostile.make_billion_laughs()).reason
    assert "DTD" in _reject(hostile.make_external_entity()).reason
    assert "nested" in _reject(hostile.make_deep_nesting()).reason
    assert "compressed" in _reject(hostile.make_zip_bomb()).reason
    assert "password" in _reject(hostile.make_encrypted_ooxml()).reason
    assert ".doc" in _reject(hostile.make_legacy_doc()).reason
    assert "template" in _reject(hostile.make_template()).reason


def test_declared_total_over_limit_is_a_zip_bomb_before_reading():
    # 3 MB of zeros: under the ratio grace for a 2 MB limit, caught by the declared total
    e = _reject(hostile.make_zip_bomb(3), LimitsConfig(max_uncompressed_bytes=2 * 1024 * 1024))
    assert e.code == "zip-bomb" and "unpacks to" in e.reason


def test_sizes_in_the_central_directory_are_not_trusted():
    # the directory claims 1000 bytes for a 3 MB member: reading stops and the CRC check fails
    assert _reject(hostile.make_lying_sizes()).code == "corrupt-zip"


def test_file_size_limit():
    data = hostile.base_docx()
    e = _reject(data, LimitsConfig(max_file_bytes=len(data) - 1))
    assert e.code == "too-large" and "MB" in e.reason


def test_member_count_limit():
    data = hostile.base_docx()
    n = len(zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert check_container(data, "x", LimitsConfig(max_zip_members=n)).members == n
    assert _reject(data, LimitsConfig(max_zip_members=n - 1)).code == "zip-bomb"


def test_depth_limit_is_configurable_and_capped_at_python_docx_limit():
    data = hostile.base_docx()
    depth = check_container(data, "x", LIMITS).max_depth
    assert 3 <= depth < 20
    assert check_container(data, "x", LimitsConfig(max_xml_depth=depth)).max_depth == depth
    assert _reject(data, LimitsConfig(max_xml_depth=depth - 1)).code == "unsafe-xml"
    # libxml2 (python-docx) refuses depth > 256, so a higher setting must not let such a file through
    assert _reject(hostile.make_deep_nesting(300), LimitsConfig(max_xml_depth=10_000)).code == "unsafe-xml"


def test_paragraph_and_char_limits():
    data = hostile.with_document_xml(hostile._DOC_OPEN + hostile.paragraphs_xml(["abc"] * 10) + hostile._DOC_CLOSE)
    info = check_container(data, "x", LIMITS)
    assert (info.paragraphs, info.text_chars) == (10, 30)
    assert _reject(data, LimitsConfig(max_paragraphs=9)).code == "too-long"
    assert _reject(data, LimitsConfig(max_chars=29)).code == "too-long"


def test_deleted_text_does_not_count_as_text():
    xml = (hostile._DOC_OPEN + '<w:p><w:del w:id="1" w:author="a"><w:r><w:delText>gone</w:delText></w:r></w:del></w:p>'
           + hostile._DOC_CLOSE)
    assert _reject(hostile.with_document_xml(xml)).code == "no-text"


def test_fifty_thousand_paragraphs_pass_quickly():
    data = hostile.make_many_paragraphs()
    t = time.perf_counter()
    info = check_container(data, "long.docx", LIMITS)
    assert time.perf_counter() - t < 5
    assert info.paragraphs == 50_000 and not info.normalized and info.package is data


def test_original_bytes_never_change():
    for name, (factory, _code) in hostile.HOSTILE.items():
        data = factory()
        before = bytes(data)
        try:
            check_container(data, name, LIMITS)
        except PacketRejected:
            pass
        assert data == before


def test_docm_is_reviewed_without_macros():
    info = check_container(hostile.make_docm(), "m.docm", LIMITS)
    assert info.is_macro and info.normalized
    z = zipfile.ZipFile(io.BytesIO(info.package))
    assert not [n for n in z.namelist() if "vba" in n.lower()]
    ct = z.read("[Content_Types].xml")
    assert b"macroEnabled" not in ct and b"vbaProject" not in ct
    assert b"vbaProject" not in z.read("word/_rels/document.xml.rels")
    d = docx.Document(io.BytesIO(info.package))
    assert [p.text for p in d.paragraphs] == [p.text for p in docx.Document(io.BytesIO(hostile.base_docx())).paragraphs]
    # the normalised package passes the checks again unchanged (idempotent)
    again = check_container(info.package, "m.docm", LIMITS)
    assert not again.normalized and again.package is info.package


def test_strict_is_reviewed_as_transitional():
    strict = hostile.make_strict()
    with pytest.raises(Exception):
        docx.Document(io.BytesIO(strict))  # python-docx alone cannot read Strict
    info = check_container(strict, "s.docx", LIMITS)
    assert info.is_strict
    d = docx.Document(io.BytesIO(info.package))
    assert [p.text for p in d.paragraphs] == [p.text for p in docx.Document(io.BytesIO(hostile.base_docx())).paragraphs]
    assert b"purl.oclc.org" not in zipfile.ZipFile(io.BytesIO(info.package)).read("word/document.xml")


def test_python_docx_parser_does_not_resolve_entities(tmp_path):
    # Defence in depth behind check_container: python-docx's own parser keeps entities unexpanded.
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xml = (f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}"><!ENTITY a "aaaaaaaaaa">'
           '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
           f'<w:document xmlns:w="{hostile.W}"><w:body><w:p><w:r><w:t>&x;&b;</w:t></w:r></w:p></w:body></w:document>')
    root = parse_xml(xml.encode())
    text = "".join(root.itertext())
    assert "TOP-SECRET" not in text and "aaaa" not in text


def test_unexpected_internal_errors_become_a_reason(monkeypatch):
    import promolint.extractors.container as container
    def boom(*_a):
        raise KeyError("packet text here")

    monkeypatch.setattr(container, "_check_zip", boom)
    e = _reject(hostile.base_docx())
    assert e.code == "unreadable" and "packet text" not in e.reason


# ---------------------------------------------------------------- time limit


def test_deadline_interrupts_a_busy_loop():
    t = time.perf_counter()
    with pytest.raises(PacketRejected) as exc:
        with packet_deadline(0.2, "slow.docx"):
            while True:
                pass
    assert exc.value.code == "timeout" and exc.value.source == "slow.docx"
    assert time.perf_counter() - t < 2


def test_deadline_is_disarmed_after_the_block():
    with packet_deadline(0.1, "fast.docx"):
        pass
    time.sleep(0.2)  # an armed timer would fire here
    check_deadline()  # outside any deadline: no-op


def test_deadline_cooperative_check_in_worker_thread():
    errors = []

    def work():
        try:
            with packet_deadline(0.05, "t.docx"):
                time.sleep(0.1)
                check_deadline()
        except PacketRejected as e:
            errors.append(e.code)

    th = threading.Thread(target=work)
    th.start()
    th.join()
    assert errors == ["timeout"]


def _limited_config(seconds: float):
    from promolint.config import load_config

    config = load_config(None)
    config.limits.timeout_seconds = seconds
    return config


@pytest.fixture(scope="module")
def long_packet() -> bytes:
    return hostile.make_many_paragraphs(20_000)


def test_review_stops_at_the_time_limit_in_the_main_thread(long_packet):
    from promolint.pipeline import review_bytes

    t = time.perf_counter()
    with pytest.raises(PacketRejected) as exc:
        review_bytes(long_packet, "long.docx", _limited_config(0.3))
    assert (exc.value.code, exc.value.reason) == ("timeout", "took longer than 0.3 seconds to review and was stopped")
    assert time.perf_counter() - t < 10


def test_review_stops_at_the_time_limit_in_a_worker_thread(long_packet):
    # Prefect runs tasks in threads, where no alarm arrives: the stages' own checks stop the work.
    from promolint.pipeline import review_bytes

    outcome = []

    def work():
        t = time.perf_counter()
        try:
            review_bytes(long_packet, "long.docx", _limited_config(0.3))
        except PacketRejected as e:
            outcome.append((e.code, time.perf_counter() - t))

    th = threading.Thread(target=work)
    th.start()
    th.join()
    assert outcome and outcome[0][0] == "timeout"
    assert outcome[0][1] < 10


def test_main_part_trees_are_handed_over_once():
    from promolint.extractors import open_checked

    info = check_container(hostile.base_docx(), "x", LIMITS)
    assert "word/document.xml" in info.parsed and not info.normalized
    first = open_checked(info, "x")
    second = open_checked(info, "x")  # a second document from the same info gets its own trees
    assert first.element is not second.element
    assert [p.text for p in first.paragraphs] == [p.text for p in second.paragraphs]


def test_dtd_in_a_part_nobody_parses_is_still_rejected():
    data = hostile.base_docx()
    z = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zw:
        for info in z.infolist():
            blob = z.read(info.filename)
            if info.filename == "word/theme/theme1.xml":
                blob = blob.replace(b"?>", b'?>\n<!DOCTYPE a [<!ENTITY x "y">]>', 1)
            zw.writestr(info, blob)
    assert _reject(out.getvalue()).code == "unsafe-xml"
