from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client

from dudao.accounts.models import User
from dudao.demo.generator import SCALES, Generator, Ids
from dudao.demo.loader import DEMO_LOGINS, DEMO_PASSWORD
from dudao.orgs.models import Guardian, OrgUnit, RoleAssignment, Student
from dudao.orgs.text import is_valid_id_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: None) -> None:
    call_command("demo", "--scale", "small", "--seed", "7", verbosity=0)


def test_small_demo_is_realistic(demo: None) -> None:
    schools = OrgUnit.objects.filter(kind="school")
    assert 35 <= schools.count() <= 45
    students = Student.objects.count()
    assert 15_000 <= students <= 25_000
    assert OrgUnit.objects.filter(kind="district").count() == 2
    guardians = Guardian.objects.count()
    assert 1.3 <= guardians / students <= 2.0
    left_behind = Student.objects.filter(is_left_behind=True).count() / students
    assert 0.02 <= left_behind <= 0.15
    sample = Student.objects.order_by("id")[:200]
    assert all(is_valid_id_card(s.id_card_no) and s.student_no == "G" + s.id_card_no for s in sample)
    assert {"第五中学", "小学", "幼儿园"} <= {
        part for s in schools.values_list("name", flat=True) for part in ("第五中学", "小学", "幼儿园") if part in s
    }


def test_tree_is_consistent_for_treebeard(demo: None) -> None:
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_demo_logins_work_and_land_where_design_says(demo: None) -> None:
    for username, *_ in DEMO_LOGINS:
        client = Client()
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
    school = RoleAssignment.objects.get(user__username="school.principal", role="principal").unit
    district = RoleAssignment.objects.get(user__username="district.admin").unit
    assert school.name.endswith("第五中学") and school.short_name == "五中"
    assert school.get_parent() == district
    teacher = RoleAssignment.objects.get(user__username="school.teacher")
    assert teacher.unit.kind == "class" and teacher.unit.path.startswith(school.path)
    assert RoleAssignment.objects.filter(unit=teacher.unit, role="class_teacher").count() == 1


def test_pinyin_initials_find_wuzhong(demo: None) -> None:
    admin = User.objects.get(username="district.admin")
    from dudao.orgs.selectors import search_units

    assert any(u.short_name == "五中" for u in search_units(admin, q="wz"))


def test_demo_is_deterministic_for_a_seed(db: None) -> None:
    today = dt.date(2026, 11, 28)

    def first_rows() -> list[tuple[object, ...]]:
        gen = Generator(SCALES["small"], 42, Ids(1, 1, 1, 1, 1), today=today)
        rows: list[tuple[object, ...]] = []
        for model, _fields, batch in gen.batches():
            if model is Student:
                rows.extend(r[:7] for r in batch[:50])
                break
        return rows

    assert first_rows() == first_rows()


def test_demo_refuses_a_database_with_data(demo: None) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="已有数据"):
        call_command("demo", verbosity=0)
    call_command("demo", "--if-empty", verbosity=0)


# Every setting above which a demo step's path switches to a queued or background job, lowered far below the small
# demo's size so that each step takes its city-scale path (a city-wide letter to ~98,000 students was queued and the
# city demo failed after seven minutes).
QUEUED_PATH_LIMITS = {"DUDAO_NOTICE_SYNC_LIMIT": 50}


def test_every_demo_step_loads_when_each_queued_path_is_taken(db: None, settings: object) -> None:
    from dudao.notices.models import Notice, NoticeStatus, Receipt

    for name, value in QUEUED_PATH_LIMITS.items():
        setattr(settings, name, value)
    call_command("demo", "--scale", "small", "--seed", "7", verbosity=0)
    letters = Notice.objects.filter(issuer__depth=1)
    assert letters.count() == 2
    assert all(n.status == NoticeStatus.SENT for n in letters)
    letter = letters.get(title__startswith="创建全国文明城市")
    assert Receipt.objects.filter(notice=letter).count() == Student.objects.filter(status="enrolled").count()
    assert Receipt.objects.filter(notice=letter, confirmed_at__isnull=False).exists()


def test_a_failed_demo_load_leaves_no_rows_and_no_files(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from django.core.files.storage import default_storage

    from dudao.core.files import store_upload
    from dudao.core.models import StoredFile
    from dudao.demo import registry

    stored: list[str] = []

    def failing_step(context: registry.DemoContext) -> dict[str, int]:
        upload = io.BytesIO("整改说明：已更换破损护栏。".encode())
        stored.append(store_upload(actor=None, upload=upload, name="说明.txt").storage_name)
        raise RuntimeError("step failed")

    monkeypatch.setattr(registry, "_steps", [*registry._steps, (999, "failing", failing_step)])
    with pytest.raises(RuntimeError, match="step failed"):
        call_command("demo", "--scale", "small", "--seed", "7", verbosity=0)
    assert stored and not any(default_storage.exists(name) for name in stored)
    assert not OrgUnit.objects.exists() and not StoredFile.objects.exists()


def test_province_demo_puts_the_demo_city_under_a_provincial_department(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The province shape at a tiny size: a department over three cities, the city demo's logins in the first,
    the department's own logins at the root, every ID number unique and the tree sound."""
    from dataclasses import replace

    from dudao.command.summary import summary_units
    from dudao.demo import generator
    from dudao.demo.loader import PROVINCE_LOGINS, load
    from dudao.orgs.scoping import scope_root_path

    tiny = replace(SCALES["small"], name="province", districts=2, schools_per_district=3, direct_schools=1, cities=3)
    monkeypatch.setitem(generator.SCALES, "province", tiny)
    report = load(scale="province", seed=7)

    root = OrgUnit.objects.get(depth=1)
    assert root.name == "江南省教育厅" and OrgUnit.objects.filter(depth=1).count() == 1
    cities = list(OrgUnit.objects.filter(depth=2, kind="bureau").order_by("path"))
    assert [c.name for c in cities] == ["临江市教育局", "云州市教育局", "青川市教育局"]
    assert OrgUnit.objects.filter(kind="district").count() == 6
    assert OrgUnit.find_problems() == ([], [], [], [], [])
    ids = list(Student.objects.values_list("id_card_no", flat=True))
    assert len(ids) == len(set(ids)) == report.counts["students"]
    # The city demo's logins work in the demo city; the department's at the root.
    for username, *_ in [*DEMO_LOGINS, *PROVINCE_LOGINS]:
        response = Client().post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
    director = User.objects.get(username="city.director")
    assert scope_root_path(director, "orgunit.read") == cities[0].path
    province_director = User.objects.get(username="province.director")
    assert scope_root_path(province_director, "orgunit.read") == root.path
    # A school outside the demo city carries its city in its name; the summary covers the city bureaus.
    assert OrgUnit.objects.filter(kind="school", path__startswith=cities[1].path, name__startswith="云州").exists()
    assert set(cities) <= set(summary_units())
    # The department's offices are 处 (a city bureau's are 科); province.admin sits in 基础教育处.
    offices = set(OrgUnit.objects.filter(depth=2, kind="office").values_list("name", flat=True))
    assert "基础教育处" in offices and not any(name.endswith("科") for name in offices)
    assert User.objects.get(username="province.admin").unit.name == "基础教育处"
