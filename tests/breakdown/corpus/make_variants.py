"""Regenerate the encoded and converted variants of the corpus (committed; run by hand after editing a document).

    .venv/bin/python tests/breakdown/corpus/make_variants.py

Needs opencc, python-docx, fpdf2 and Pillow, and the Noto CJK font for the PDF (Debian fonts-noto-cjk).
Each variant shares the annotation of its source document (`VARIANTS` below).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import opencc
from PIL import Image

HERE = Path(__file__).parent
OUT = HERE / "variants"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

# variant file → source document
VARIANTS = {
    "02_wenming.trad.utf8.txt": "02_wenming",
    "04_xinli.trad.big5.txt": "04_xinli",
    "03_yiqing.gbk.txt": "03_yiqing",
    "07_fangni.gb18030.txt": "07_fangni",
    "01_kaixue.docx": "01_kaixue",
    "09_kehou.pdf": "09_kehou",
    "05_kongchuo.trad.docx": "05_kongchuo",
}


def _text(name: str) -> str:
    return (HERE / f"{name}.txt").read_text("utf-8")


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("noto", fname=FONT, collection_font_number=2)
    pdf.set_font("noto", size=11)
    pdf.add_page()
    for line in text.split("\n"):
        pdf.multi_cell(0, 7, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def main() -> None:
    OUT.mkdir(exist_ok=True)
    s2t = opencc.OpenCC("s2t")
    (OUT / "02_wenming.trad.utf8.txt").write_text(s2t.convert(_text("02_wenming")), "utf-8")
    (OUT / "04_xinli.trad.big5.txt").write_bytes(s2t.convert(_text("04_xinli")).encode("big5", errors="replace"))
    (OUT / "03_yiqing.gbk.txt").write_bytes(_text("03_yiqing").encode("gbk"))
    (OUT / "07_fangni.gb18030.txt").write_bytes(_text("07_fangni").encode("gb18030"))
    (OUT / "01_kaixue.docx").write_bytes(_docx(_text("01_kaixue")))
    (OUT / "05_kongchuo.trad.docx").write_bytes(_docx(s2t.convert(_text("05_kongchuo"))))
    (OUT / "09_kehou.pdf").write_bytes(_pdf(_text("09_kehou")))
    # Bad input, for the tests: mixed encodings, mojibake, a scanned PDF with no text layer.
    lines = _text("10_plain").split("\n")
    mixed = b"\n".join(line.encode("gbk") if i % 2 else line.encode("utf-8") for i, line in enumerate(lines))
    (OUT / "bad_mixed_encodings.txt").write_bytes(mixed)
    garbled = _text("06_dangfeng").encode("utf-8").decode("gbk", errors="replace")
    (OUT / "bad_mojibake.txt").write_text(garbled, "utf-8")
    image = Image.new("RGB", (400, 560), "white")
    buffer = io.BytesIO()
    image.save(buffer, format="PDF")
    (OUT / "bad_scanned.pdf").write_bytes(buffer.getvalue())
    (OUT / "variants.json").write_text(json.dumps(VARIANTS, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
