"""Zip packages (.xlsx, .docx) judged by what they really unpack to, before any parser opens them.

A zip states the unpacked size of each member, but a crafted one can state anything, and a few KB of
deflate can unpack to gigabytes. Here sizes are counted while inflating, in small steps, and counting
stops as soon as a limit is passed: a bomb costs milliseconds and no memory.
No Django here: the Excel importers and the .docx reader of breakdown share it.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

_CHUNK = 64 * 1024
_LOCAL_HEADER = b"PK\x03\x04"
_CENTRAL_HEADER = b"PK\x01\x02"


class ZipRefused(Exception):
    """Why a package is refused: `reason` is one of corrupt, encrypted, unsupported, too_many_members,
    member_too_large (`member` names it) or too_large (the members together)."""

    def __init__(self, reason: str, *, member: str = "", limit: int = 0) -> None:
        super().__init__(f"{reason}: {member}" if member else reason)
        self.reason = reason
        self.member = member
        self.limit = limit


@dataclass(frozen=True)
class ZipLimits:
    total: int  # bytes, all members unpacked together
    member: int  # bytes, any one member unpacked
    named: Mapping[str, int] = field(default_factory=dict)  # tighter limits for some members
    members: int = 2000  # how many members


def open_zip(data: bytes, *, members: int) -> zipfile.ZipFile:
    """The package, refused before its directory is read when it has more than `members` members."""
    # Each member has one central directory header: counting them bounds what ZipFile will build.
    if data.count(_CENTRAL_HEADER) > members:
        raise ZipRefused("too_many_members", limit=members)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ZipRefused("corrupt") from exc


def unpacked_sizes(data: bytes, limits: ZipLimits) -> dict[str, int]:
    """The real unpacked size of every member, by name. Raises ZipRefused on the first limit passed."""
    sizes: dict[str, int] = {}
    total = 0
    with open_zip(data, members=limits.members) as archive:
        for info in archive.infolist():
            member_limit = limits.named.get(info.filename, limits.member)
            room = limits.total - total
            try:
                size = _inflate(data, info, min(member_limit, room), keep=False)[0]
            except _OverLimit:
                if member_limit <= room:
                    raise ZipRefused("member_too_large", member=info.filename, limit=member_limit) from None
                raise ZipRefused("too_large", limit=limits.total) from None
            sizes[info.filename] = sizes.get(info.filename, 0) + size
            total += size
    return sizes


def read_member(data: bytes, archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """One member's bytes, inflated by us (never trusting its stated size) and refused past `limit`."""
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise ZipRefused("corrupt", member=name) from exc
    try:
        # Measured first with nothing kept, so a refused member never costs more than a step of memory.
        if info.file_size > limit:
            raise _OverLimit
        _inflate(data, info, limit, keep=False)
        return _inflate(data, info, limit, keep=True)[1]
    except _OverLimit:
        raise ZipRefused("member_too_large", member=name, limit=limit) from None


class _OverLimit(Exception):
    pass


def _raw_bytes(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != _LOCAL_HEADER:
        raise ZipRefused("corrupt", member=info.filename)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    end = start + info.compress_size
    if end > len(data):
        raise ZipRefused("corrupt", member=info.filename)
    return memoryview(data)[start:end]


def _inflate(data: bytes, info: zipfile.ZipInfo, limit: int, *, keep: bool) -> tuple[int, bytes]:
    """(unpacked size, the bytes when `keep`). Raises _OverLimit as soon as more than `limit` comes out."""
    if info.flag_bits & 0x1:
        raise ZipRefused("encrypted", member=info.filename)
    raw = _raw_bytes(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) > limit:
            raise _OverLimit
        return len(raw), bytes(raw) if keep else b""
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise ZipRefused("unsupported", member=info.filename)
    parts: list[bytes] = []
    size = 0

    def take(out: bytes) -> None:
        nonlocal size
        size += len(out)
        if size > limit:
            raise _OverLimit
        if keep:
            parts.append(out)

    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        # Input goes in small slices and output comes out in small steps, so neither is ever held whole.
        for start in range(0, len(raw), _CHUNK):
            pending: bytes | memoryview = raw[start : start + _CHUNK]
            while pending and not inflater.eof:
                take(inflater.decompress(pending, _CHUNK))
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        while not inflater.eof:
            out = inflater.decompress(b"", _CHUNK)
            if not out:
                break
            take(out)
        take(inflater.flush())
    except zlib.error as exc:
        raise ZipRefused("corrupt", member=info.filename) from exc
    return size, b"".join(parts)
