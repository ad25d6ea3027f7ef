"""City-wide student lists: keyset pages, a count from the enrolment table, no substring scan over a city."""

from __future__ import annotations

import pytest
from django.test import Client

from dudao.core.pagination import paginate
from dudao.orgs.models import Student
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_keyset_pages_walk_the_same_rows_as_offset_pages(city: City) -> None:
    qs = Student.objects.order_by("id")
    everyone = list(qs.values_list("pk", flat=True))
    assert len(everyone) > 6
    walked: list[int] = []
    after: int | None = None
    for number in range(1, 100):
        page = paginate(qs, page=number, page_size=3, after=after)
        assert page.keyset
        walked.extend(s.pk for s in page.items)
        if not page.has_next:
            break
        after = page.next_after
    assert walked == everyone
    last = paginate(qs, page=99, page_size=3, before="end")
    assert [s.pk for s in last.items] == everyone[(len(everyone) - 1) // 3 * 3 :]
    back = paginate(qs, page=1, page_size=3, before=everyone[3])
    assert [s.pk for s in back.items] == everyone[:3]
    # Not ordered by id alone: offset pages, the cursor is ignored.
    by_name = paginate(Student.objects.order_by("name", "id"), page=1, page_size=3, after=everyone[0])
    assert not by_name.keyset and len(by_name.items) == 3


def test_roster_pager_links_carry_the_cursor(client: Client, city: City) -> None:
    client.force_login(city.user("bureau_staff"))
    page = client.get(f"/orgs/{city.root.pk}/students/?page_size=2").content.decode()
    assert "after=" in page and "before=end" in page
    total = Student.objects.count()
    assert f"共 {total} 条" in page  # the count from the enrolment table agrees with the rows


def test_a_name_search_over_the_whole_city_asks_for_a_district(client: Client, city: City) -> None:
    student = Student.objects.order_by("id").first()
    assert student is not None
    client.force_login(city.user("bureau_staff"))
    page = client.get(f"/orgs/{city.root.pk}/students/", {"q": student.name}).content.decode()
    assert 'data-testid="search-scope"' in page and student.name not in page.split("roster-table")[1]
    found = client.get(f"/orgs/{city.root.pk}/students/", {"q": student.student_no}).content.decode()
    assert f'href="/students/{student.pk}/"' in found
    district = client.get(f"/orgs/{city.district_a.pk}/students/", {"q": student.name}).content.decode()
    assert 'data-testid="search-scope"' not in district
    api = client.get("/api/v1/students", {"q": student.name})
    assert api.status_code == 400 and api.json()["code"] == "search_scope_too_wide"
    assert client.get("/api/v1/students", {"q": student.name, "unit": city.district_a.pk}).status_code == 200
