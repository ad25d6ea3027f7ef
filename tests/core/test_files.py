import io
import zipfile

import pytest
from PIL import Image

from dudao.core.errors import DomainError
from dudao.core.files import (
    DOCUMENT_TYPES,
    IMAGE_TYPES,
    hash_distance,
    is_same_picture,
    open_stored,
    store_upload,
)


def jpeg_bytes(colour=(200, 30, 30), size=(640, 480), exif=None, pattern=0) -> bytes:
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 40):
        for y in range(pattern, size[1], 60):
            image.putpixel((x, y), (0, 0, 0))
    # A shape that makes the picture recognisable to the difference hash.
    for x in range(size[0] // 4, size[0] // 2):
        for y in range(size[1] // 4, size[1] // 2):
            image.putpixel((x, y), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif or Image.Exif())
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def store(data: bytes, name: str, **kwargs):
    return store_upload(actor=None, upload=io.BytesIO(data), name=name, **kwargs)


@pytest.mark.django_db
def test_photo_keeps_time_and_gps_but_loses_other_exif():
    exif = Image.Exif()
    exif[0x0110] = "SecretPhone 12"  # Model
    exif[0x0132] = "2026:11:20 09:15:00"  # DateTime
    gps = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 30.0, 0.0)}
    exif[0x8825] = gps
    stored = store(jpeg_bytes(exif=exif), "现场.jpg", allowed=IMAGE_TYPES)
    assert stored.kind == "image"
    assert stored.taken_at is not None and stored.taken_at.hour == 9
    assert stored.latitude == pytest.approx(30.25)
    assert stored.longitude == pytest.approx(120.5)
    with open_stored(stored) as f:
        kept = f.read()
    assert b"SecretPhone" not in kept
    assert not Image.open(io.BytesIO(kept)).getexif()


@pytest.mark.django_db
def test_same_scene_hashes_close_and_different_scene_far():
    a = store(jpeg_bytes(), "a.jpg")
    b = store(jpeg_bytes(size=(1280, 960)), "b.jpg")
    other = Image.new("RGB", (640, 480), (10, 200, 10))
    for x in range(400, 600):
        for y in range(0, 200):
            other.putpixel((x, y), (0, 0, 0))
    out = io.BytesIO()
    other.save(out, format="PNG")
    c = store(out.getvalue(), "c.png")
    assert is_same_picture(a.phash, b.phash)
    assert hash_distance(a.phash, c.phash) > 10
    assert not is_same_picture(a.phash, c.phash)


@pytest.mark.django_db
def test_docx_accepted_by_content():
    stored = store(docx_bytes(), "方案.docx", allowed=DOCUMENT_TYPES)
    assert stored.detected_type == "docx"
    assert stored.kind == "document"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "方案.docx", "upload_type_refused"),
        (b"\x7fELF" + b"\x00" * 100, "photo.jpg", "upload_type_refused"),
        (b"", "empty.pdf", "upload_empty"),
        (b"%PDF-1.7 rest", "renamed.docx", "upload_type_refused"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "broken.jpg", "upload_type_refused"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(data, name, code):
    from dudao.core.models import StoredFile

    with pytest.raises(DomainError) as error:
        store(data, name)
    assert error.value.code == code
    assert name in error.value.message
    assert not StoredFile.objects.exists()


@pytest.mark.django_db
def test_a_zip_with_thousands_of_members_is_refused_before_listing_them():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
        for index in range(5001):
            package.writestr(f"word/media/{index}.bin", b"")
    with pytest.raises(DomainError) as error:
        store(out.getvalue(), "方案.docx", allowed=DOCUMENT_TYPES)
    assert error.value.code == "upload_type_refused"


@pytest.mark.django_db
def test_oversized_file_is_refused():
    with pytest.raises(DomainError) as error:
        store(jpeg_bytes(), "big.jpg", max_bytes=1000)
    assert error.value.code == "upload_too_large"


@pytest.mark.django_db
def test_document_refused_where_only_images_allowed():
    with pytest.raises(DomainError) as error:
        store(docx_bytes(), "a.docx", allowed=IMAGE_TYPES)
    assert error.value.code == "upload_type_refused"
    assert "JPG" in error.value.message
