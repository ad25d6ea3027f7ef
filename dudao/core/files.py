"""The one way files enter dudao: sniffed by content, size-limited, images cleaned and hashed.

Callers link the returned `StoredFile` to their own object inside their own transaction and serve it
through their own view after a scope check (`file_response`). Nothing under MEDIA_ROOT is public.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import io
import logging
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from dudao.core.errors import DomainError
from dudao.core.models import FileKind, StoredFile
from dudao.core.zips import ZipRefused, open_zip

log = logging.getLogger("dudao.files")

IMAGE_TYPES = frozenset({"jpeg", "png", "webp"})
DOCUMENT_TYPES = frozenset({"pdf", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "txt"})
# Photos are scaled down to this longest side: plenty to see a crack or a missing sign, a tenth of the disk.
IMAGE_MAX_SIDE = 2560
# Refuse decompression bombs long before Pillow's own warning threshold.
IMAGE_MAX_PIXELS = 60_000_000

_CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "txt": "text/plain; charset=utf-8",
}
_LABELS = {
    "jpeg": "JPG 图片",
    "png": "PNG 图片",
    "webp": "WebP 图片",
    "pdf": "PDF",
    "docx": "Word（.docx）",
    "xlsx": "Excel（.xlsx）",
    "pptx": "PowerPoint（.pptx）",
    "doc": "Word（.doc）",
    "xls": "Excel（.xls）",
    "ppt": "PowerPoint（.ppt）",
    "txt": "文本（.txt）",
}
# File-name endings that each detected type may carry; a mismatch means a renamed file.
_EXTENSIONS = {
    "jpeg": {".jpg", ".jpeg", ".jfif"},
    "png": {".png"},
    "webp": {".webp"},
    "pdf": {".pdf"},
    "docx": {".docx"},
    "xlsx": {".xlsx"},
    "pptx": {".pptx"},
    "doc": {".doc", ".wps"},
    "xls": {".xls", ".et"},
    "ppt": {".ppt", ".dps"},
    "txt": {".txt"},
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# More members than any Office document has: a package claiming more is refused before ZipFile lists them all.
OFFICE_ZIP_MEMBERS = 5000
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")


# Storage names written inside `removed_on_failure()`: a database rollback does not take files with it.
_written: ContextVar[list[str] | None] = ContextVar("dudao_files_written", default=None)


@contextmanager
def removed_on_failure() -> Iterator[None]:
    """Delete every file stored inside the block when the block raises (its rows are rolled back with it).

    Wrap a long transaction that stores files, such as the demo loader, so that a failed run leaves no orphans."""
    written: list[str] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for storage_name in written:
            default_storage.delete(storage_name)
        raise
    finally:
        _written.reset(token)


def labels(types: Iterable[str]) -> str:
    return "、".join(_LABELS[t] for t in sorted(types))


def sniff(data: bytes, name: str) -> str | None:
    """The file's real type from its first bytes (and, for zips and OLE, its inner layout)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_office_zip(data)
    if data.startswith(_OLE_MAGIC):
        # Word, Excel and PowerPoint 97–2003 share one container; the extension picks among them.
        suffix = PurePath(name).suffix.lower()
        return next((t for t in ("doc", "xls", "ppt") if suffix in _EXTENSIONS[t]), None)
    if data.startswith(_EXECUTABLE_MAGIC):
        return None
    if b"\x00" not in data[:8192]:
        for encoding in ("utf-8", "gb18030"):
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return "txt"
    return None


def _sniff_office_zip(data: bytes) -> str | None:
    try:
        with open_zip(data, members=OFFICE_ZIP_MEMBERS) as archive:
            names = archive.namelist()
    except ZipRefused:
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if any(n.startswith(prefix) for n in names):
            return kind
    return None


def store_upload(
    *,
    actor: Any,
    upload: IO[bytes],
    name: str = "",
    allowed: frozenset[str] = IMAGE_TYPES | DOCUMENT_TYPES,
    max_bytes: int | None = None,
) -> StoredFile:
    """Check and keep one uploaded file. Raises DomainError naming the file; stores nothing then."""
    name = _clean_name(name or getattr(upload, "name", "") or "file")
    limit = max_bytes or settings.DUDAO_UPLOAD_MAX_BYTES
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise DomainError(
            f"文件“{name}”超过 {limit / (1024 * 1024):g} MB 的上限，请压缩后再上传", code="upload_too_large"
        )
    if not data:
        raise DomainError(f"文件“{name}”是空的", code="upload_empty")
    detected = sniff(data, name)
    if detected is None or detected not in allowed:
        raise DomainError(f"文件“{name}”的内容不是允许的类型（允许：{labels(allowed)}）", code="upload_type_refused")
    suffix = PurePath(name).suffix.lower()
    if suffix not in _EXTENSIONS[detected]:
        raise DomainError(
            f"文件“{name}”的扩展名与内容不符（内容是{_LABELS[detected]}），请确认文件后重新上传",
            code="upload_type_refused",
        )
    fields: dict[str, Any] = {}
    if detected in IMAGE_TYPES:
        data, fields = _clean_image(data, name)
    storage_name = _save_or_refuse(
        f"files/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{next(iter(sorted(_EXTENSIONS[detected])))}",
        data,
        name,
    )
    written = _written.get()
    if written is not None:
        written.append(storage_name)
    return StoredFile.objects.create(
        name=name,
        content_type=_CONTENT_TYPES[detected],
        detected_type=detected,
        kind=FileKind.IMAGE if detected in IMAGE_TYPES else FileKind.DOCUMENT,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=storage_name,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )


def _save_or_refuse(storage_name: str, data: bytes, name: str) -> str:
    """Write the file; a full or read-only disk refuses the upload with a clear message (the caller's transaction
    then rolls back, so no row points at a missing file) and leaves no partial file behind."""
    try:
        return default_storage.save(storage_name, ContentFile(data))
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            raise
        log.error("上传文件无法写入磁盘（%s）：%s", storage_name, exc)
        with contextlib.suppress(OSError):
            default_storage.delete(storage_name)
        raise DomainError(
            f"服务器存储空间不足，文件“{name}”未能保存，本次提交没有生效。请稍后重试，或联系系统管理员清理磁盘。",
            code="upload_disk_full",
        ) from exc


def _clean_name(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip()
    return "".join(ch for ch in base if ch.isprintable())[:200] or "file"


def _clean_image(data: bytes, name: str) -> tuple[bytes, dict[str, Any]]:
    """Re-encode without metadata; keep capture time and GPS as evidence fields; hash the picture."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > IMAGE_MAX_PIXELS:
                raise DomainError(f"图片“{name}”像素过大，无法处理", code="upload_type_refused")
            probe.verify()
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DomainError(f"图片“{name}”已损坏或无法识别", code="upload_type_refused") from exc
    exif = image.getexif()
    taken_at = _exif_time(exif)
    latitude, longitude = _exif_gps(exif)
    image = ImageOps.exif_transpose(image)
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    # Saved as JPEG without any EXIF: no camera serials, no owner names, no embedded thumbnails.
    image.save(out, format="JPEG", quality=88, optimize=True)
    fields = {
        "width": image.width,
        "height": image.height,
        "phash": difference_hash(image),
        "taken_at": taken_at,
        "latitude": latitude,
        "longitude": longitude,
    }
    return out.getvalue(), fields


def difference_hash(image: Image.Image) -> str:
    """64-bit dHash: is each pixel brighter than its right neighbour, on a 9×8 greyscale thumbnail."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return f"{bits:016x}"


def hash_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


# Two photos whose hashes differ in at most this many of 64 bits show the same scene from the same spot.
SAME_PICTURE_DISTANCE = 6


def is_same_picture(a: str, b: str) -> bool:
    return bool(a and b) and hash_distance(a, b) <= SAME_PICTURE_DISTANCE


def _exif_time(exif: Image.Exif) -> dt.datetime | None:
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    raw = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(raw, str):
        return None
    # Cameras record local time without a zone; phones here are on Beijing time.
    try:
        return dt.datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S").replace(
            tzinfo=timezone.get_current_timezone()
        )
    except ValueError:
        return None


def _exif_gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef, "N"))
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _degrees(value: Any, ref: Any) -> float:
    d, m, s = (float(part) for part in value)
    sign = -1 if str(ref).upper() in ("S", "W") else 1
    return sign * (d + m / 60 + s / 3600)


def open_stored(stored: StoredFile) -> IO[bytes]:
    return default_storage.open(stored.storage_name, "rb")


def file_response(stored: StoredFile, *, as_attachment: bool = True) -> FileResponse:
    """Serve a file the caller has already checked access to. Never sniffed by the browser as HTML."""
    response = FileResponse(
        open_stored(stored), as_attachment=as_attachment, filename=stored.name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
