"""Zip packages are judged by what they really unpack to, not by the sizes they state."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from dudao.core.zips import ZipLimits, ZipRefused, open_zip, read_member, unpacked_sizes

LIMITS = ZipLimits(total=2 * 1024 * 1024, member=1024 * 1024, named={"small.xml": 10})


def package(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def understate_sizes(data: bytes, size: int) -> bytes:
    """Rewrite every stated unpacked size (local and central headers) to `size`: what a crafted bomb does."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = patched.find(signature)
        while at != -1:
            struct.pack_into("<I", patched, at + offset, size)
            at = patched.find(signature, at + 4)
    return bytes(patched)


def test_sizes_are_counted_while_inflating() -> None:
    sizes = unpacked_sizes(package({"a.xml": b"x" * 1000, "small.xml": b"ok"}), LIMITS)
    assert sizes == {"a.xml": 1000, "small.xml": 2}


def test_a_member_that_understates_its_size_is_still_refused() -> None:
    data = understate_sizes(package({"a.xml": b"x" * (3 * 1024 * 1024)}), 100)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("a.xml").file_size == 100
    with pytest.raises(ZipRefused) as err:
        unpacked_sizes(data, LIMITS)
    assert (err.value.reason, err.value.member) == ("member_too_large", "a.xml")
    with zipfile.ZipFile(io.BytesIO(data)) as archive, pytest.raises(ZipRefused):
        read_member(data, archive, "a.xml", LIMITS.member)


def test_members_are_limited_together_and_by_name() -> None:
    with pytest.raises(ZipRefused) as err:
        unpacked_sizes(package({f"{i}.xml": b"x" * 900_000 for i in range(3)}), LIMITS)
    assert err.value.reason == "too_large"
    with pytest.raises(ZipRefused) as err:
        unpacked_sizes(package({"small.xml": b"x" * 11}), LIMITS)
    assert (err.value.reason, err.value.member) == ("member_too_large", "small.xml")


def test_too_many_members_are_refused_before_the_directory_is_read() -> None:
    with pytest.raises(ZipRefused) as err:
        open_zip(package({f"{i}": b"" for i in range(11)}), members=10)
    assert err.value.reason == "too_many_members"


def test_a_damaged_stream_is_corrupt_not_a_crash() -> None:
    data = bytearray(package({"a.xml": b"abc" * 1000}))
    start = 30 + len("a.xml")
    data[start : start + 8] = b"\xff" * 8
    with pytest.raises(ZipRefused) as err:
        unpacked_sizes(bytes(data), LIMITS)
    assert err.value.reason == "corrupt"
