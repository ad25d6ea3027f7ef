"""Round bulletins get a 发文字号 on publishing (core.docnumbers), shown on the page and in the .docx."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from docx import Document

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.models import IssuedNumber
from dudao.dashboard import services
from dudao.dashboard.models import Bulletin, BulletinNumbering
from tests.api.test_bulletins_api import finished_round
from tests.factories import City

pytestmark = pytest.mark.django_db


def _published(city: City) -> Bulletin:
    bulletin = services.generate_bulletin(actor=city.user("inspector"), inspection=finished_round(city))
    return services.publish_bulletin(actor=city.user("inspector"), bulletin=bulletin, version=bulletin.version)


def test_publishing_gives_the_next_number_of_the_default_prefix(city: City) -> None:
    bulletin = _published(city)
    year = timezone.localdate().year
    prefix = services.default_prefix(city.root)
    assert prefix == "测试教督通"  # 测试市教育局 → 测试
    assert bulletin.number_text == f"{prefix}〔{year}〕1号"
    assert Bulletin.objects.get(pk=bulletin.pk).number_text == bulletin.number_text
    issued = IssuedNumber.objects.get(object_type="dashboard.bulletin")
    assert issued.object_id == str(bulletin.pk)
    event = AuditEvent.objects.filter(action="publish", object_type="dashboard.bulletin").get()
    assert bulletin.number_text in str(event.changes)


def test_publishing_twice_never_allocates_twice(city: City) -> None:
    bulletin = _published(city)
    with pytest.raises(DomainError, match="已经发布"):
        services.publish_bulletin(actor=city.user("inspector"), bulletin=bulletin, version=bulletin.version)
    with pytest.raises((DomainError, StaleEditError)):
        services.publish_bulletin(actor=city.user("inspector"), bulletin=bulletin, version=bulletin.version - 1)
    assert IssuedNumber.objects.filter(object_type="dashboard.bulletin").count() == 1


def test_a_saved_prefix_numbers_the_next_bulletin(city: City) -> None:
    services.save_numbering(actor=city.user("inspector"), unit=city.root, prefix="测教督通报", version=None)
    bulletin = _published(city)
    assert bulletin.number_text == f"测教督通报〔{timezone.localdate().year}〕1号"


def test_bad_prefix_is_refused_and_nothing_changes(city: City) -> None:
    with pytest.raises(DomainError, match="发文字号前缀"):
        services.save_numbering(actor=city.user("inspector"), unit=city.root, prefix="测〔教〕", version=None)
    assert not BulletinNumbering.objects.exists()


def test_a_stale_prefix_form_is_refused_and_a_double_submit_is_harmless(city: City) -> None:
    saved = services.save_numbering(actor=city.user("inspector"), unit=city.root, prefix="甲", version=None)
    again = services.save_numbering(actor=city.user("inspector"), unit=city.root, prefix="甲", version=None)
    assert again.pk == saved.pk and again.version == saved.version
    services.save_numbering(actor=city.user("inspector"), unit=city.root, prefix="乙", version=saved.version)
    with pytest.raises(StaleEditError):
        services.save_numbering(actor=city.user("inspector"), unit=city.root, prefix="丙", version=saved.version)
    assert BulletinNumbering.objects.get().prefix == "乙"


def test_a_role_without_bulletin_change_cannot_set_the_prefix(city: City) -> None:
    with pytest.raises(Forbidden):
        services.save_numbering(actor=city.user("principal"), unit=city.school_a, prefix="甲", version=None)


def test_the_number_is_on_the_page_and_in_the_docx(signed_in, city: City) -> None:
    bulletin = _published(city)
    client = signed_in(city.user("principal"))
    page = client.get(f"/bulletins/{bulletin.pk}/").content.decode()
    assert bulletin.number_text in page
    response = client.get(f"/bulletins/{bulletin.pk}/document.docx")
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert any(bulletin.number_text in t for t in texts)


@pytest.mark.parametrize(("role", "expected"), [("inspector", 200), ("district_admin", 200), ("principal", 403)])
def test_the_numbering_page_by_role(signed_in, city: City, role: str, expected: int) -> None:
    assert signed_in(city.user(role)).get("/bulletins/numbering/").status_code == expected


def test_the_numbering_page_saves_and_explains_bad_input(signed_in, city: City) -> None:
    client = signed_in(city.user("district_admin"))
    bad = client.post("/bulletins/numbering/", {"prefix": "甲〔区〕"}, follow=True).content.decode()
    assert "发文字号前缀须为" in bad and not BulletinNumbering.objects.exists()
    client.post("/bulletins/numbering/", {"prefix": "甲教督通"})
    assert BulletinNumbering.objects.get(unit=city.district_a).prefix == "甲教督通"


def test_the_api_shows_the_number_after_publishing(client, city: City) -> None:
    from tests.api.test_bulletins_api import auth, draft, send

    bulletin = draft(city)
    path = f"/api/v1/bulletins/{bulletin.pk}/publish"
    data = send(client, "post", path, {"version": bulletin.version}, auth(city, "inspector")).json()
    assert data["number_text"].endswith(f"〔{timezone.localdate().year}〕1号")
    again = send(client, "post", path, {"version": data["version"]}, auth(city, "inspector"))
    assert again.status_code == 409 and IssuedNumber.objects.filter(object_type="dashboard.bulletin").count() == 1
