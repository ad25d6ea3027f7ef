"""Turning uploaded bytes into text: encoding detection, mojibake detection, .docx and text .pdf.

No Django here: the command line, the pages and the benches share it. Every refusal is an `UnreadableInput`
with a Chinese message meant for the user.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from dudao.core.zips import ZipLimits, ZipRefused, unpacked_sizes

MAX_BYTES = 5 * 1024 * 1024
# Unpacked limits for .docx packages (a long speech's document.xml is well under 2 MB).
MAX_DOCX_XML_BYTES = 20 * 1024 * 1024
MAX_DOCX_UNPACKED_BYTES = 50 * 1024 * 1024
DOCX_LIMITS = ZipLimits(
    total=MAX_DOCX_UNPACKED_BYTES, member=MAX_DOCX_UNPACKED_BYTES, named={"word/document.xml": MAX_DOCX_XML_BYTES}
)
MIN_PDF_CHARS_PER_PAGE = 20


class UnreadableInput(Exception):
    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class DocumentText:
    text: str
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)


def _common_ratio(text: str) -> float:
    """Share of CJK characters that are everyday characters (GB2312 level 1, or their Traditional forms).

    Text decoded with the wrong codec is full of rare characters (鍚勫鏍 …) and scores far lower.
    """
    total = common = 0
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff":
            total += 1
            if ch in _COMMON:
                common += 1
    return common / total if total else 1.0


def _build_common() -> frozenset[str]:
    chars = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    # Traditional forms of the same everyday characters (Big5 level 1 covers them).
    for hi in range(0xA4, 0xC7):
        for lo in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                chars.add(bytes([hi, lo]).decode("big5"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


_COMMON = _build_common()
_LATIN_MOJIBAKE = re.compile(r"[ÃÂâäåæçèé][\x80-\xbf€œ™‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜š›žŸ¡-¿]")
MOJIBAKE_MESSAGE = "文字像是用错误的编码保存或转换过（出现大量乱码），无法可靠分析。请用原始文件重新导出为 UTF-8 文本或 Word 文档后再试。"  # noqa: E501


def looks_garbled(text: str) -> bool:
    """Mojibake: UTF-8 read as GBK (生僻字 soup), as Latin-1 (Ã¥…), or replacement characters (锟斤拷, �)."""
    if not text.strip():
        return False
    if text.count("锟斤拷") >= 2 or text.count("\ufffd") > max(3, len(text) // 200):
        return True
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if cjk >= 20 and _common_ratio(text) < 0.75:
        return True
    return len(_LATIN_MOJIBAKE.findall(text)) > max(5, cjk // 10)


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) // 20


def _decode_whole(data: bytes) -> tuple[str, str] | None:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for codec in ("gb18030", "big5"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates.append((_common_ratio(text), codec, text))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0], reverse=True)
    _, codec, text = candidates[0]
    return text, codec


def _decode_lines(data: bytes) -> str:
    """Mixed encodings (paragraphs pasted from different sources): decode line by line."""
    out = []
    for line in data.split(b"\n"):
        for codec in ("utf-8", "gb18030", "big5"):
            try:
                out.append(line.decode(codec))
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append(line.decode("gb18030", errors="replace"))
    return "\n".join(out)


def decode_text(data: bytes) -> DocumentText:
    if not data.strip():
        raise UnreadableInput("文件是空的，没有可分析的文字。", code="empty")
    if _looks_binary(data):
        raise UnreadableInput(
            "这不是文本文件（看起来是二进制文件），请上传 .txt、.docx 或带文字层的 .pdf。", code="binary"
        )
    whole = _decode_whole(data)
    warnings: list[str] = []
    if whole is None:
        text, encoding = _decode_lines(data), "mixed"
        warnings.append("文件中混用了多种文字编码，已逐段识别；请核对原文显示是否正确。")
    else:
        text, encoding = whole
    if looks_garbled(text):
        raise UnreadableInput(MOJIBAKE_MESSAGE, code="mojibake")
    return DocumentText(text=text.replace("\r\n", "\n").replace("\r", "\n"), encoding=encoding, warnings=warnings)


def read_docx(data: bytes) -> DocumentText:
    import docx  # python-docx; imported here so the parser loads without it

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        raise UnreadableInput("Word 文件已损坏或不是 .docx 格式，无法读取。", code="docx_invalid") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            cells = [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]]  # merged cells repeat
            lines.append("｜".join(cells))
    text = "\n".join(lines)
    if not text.strip():
        raise UnreadableInput("Word 文件里没有文字。", code="empty")
    if looks_garbled(text):
        raise UnreadableInput(MOJIBAKE_MESSAGE, code="mojibake")
    return DocumentText(text=text, encoding="docx")


def read_pdf(data: bytes) -> DocumentText:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableInput("PDF 文件有密码保护，无法读取。", code="pdf_encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableInput:
        raise
    except Exception as exc:  # pypdf raises many kinds for a damaged file
        raise UnreadableInput("PDF 文件已损坏，无法读取。", code="pdf_invalid") from exc
    text = "\n".join(pages)
    visible = len(re.sub(r"\s", "", text))
    if visible < MIN_PDF_CHARS_PER_PAGE * max(1, len(pages)) // 2:
        raise UnreadableInput(
            "这份 PDF 没有文字层（像是扫描件或图片），无法直接分析。请先做文字识别（OCR），或把文字粘贴进来。",
            code="pdf_scanned",
        )
    if looks_garbled(text):
        raise UnreadableInput(MOJIBAKE_MESSAGE, code="mojibake")
    return DocumentText(text=text, encoding="pdf")


def read_document(data: bytes, filename: str = "") -> DocumentText:
    """Any supported upload to text. The kind is sniffed from the bytes; the name is only a hint."""
    if len(data) > MAX_BYTES:
        raise UnreadableInput(
            f"文件太大（{len(data) / 1024 / 1024:.1f} MB），最大 5 MB。讲话稿和通知一般只有几十 KB，请检查是否传错了文件。",  # noqa: E501
            code="too_large",
        )
    if not data:
        raise UnreadableInput("文件是空的，没有可分析的文字。", code="empty")
    if data.startswith(b"%PDF"):
        return read_pdf(data)
    if data.startswith(b"PK\x03\x04"):
        # A small package can unpack to gigabytes (a zip bomb): judge by the real unpacked sizes before parsing.
        try:
            names = list(unpacked_sizes(data, DOCX_LIMITS))
        except ZipRefused as exc:
            if exc.reason in {"too_large", "member_too_large", "too_many_members"}:
                raise UnreadableInput(
                    "Word 文件解压后内容过大，不像是讲话稿或通知，无法分析。请把正文另存为新的 .docx 或直接粘贴文字。",
                    code="too_large",
                ) from exc
            raise UnreadableInput("文件已损坏，无法读取。", code="zip_invalid") from exc
        if "word/document.xml" in names:
            return read_docx(data)
        raise UnreadableInput("不支持这种文件格式，请上传 .txt、.docx 或 .pdf。", code="unsupported")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableInput("这是旧版 Word（.doc）文件，请另存为 .docx 后再上传。", code="doc_legacy")
    return decode_text(data)
