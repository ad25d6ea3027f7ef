"""Writing a notice without HTML: the sanitiser behind the body editor, pictures in the body (upload, scope,
serving to staff and to the parent's link), the question builder's JSON, and the audience picker's tree, search
and live count — each for every role, out of scope, and with bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from dudao.accounts import services as accounts
from dudao.core.errors import DomainError
from dudao.core.models import StoredFile
from dudao.notices import audience, services, tokens
from dudao.notices.models import Notice, NoticeImage
from dudao.notices.services.drafting import clean_body
from tests.factories import City
from tests.notices.conftest import first_link

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def png(size: tuple[int, int] = (40, 30), name: str = "photo.png") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def upload(city: City, key: str = "principal", unit: Any = None) -> NoticeImage:
    return services.upload_image(actor=city.user(key), unit=unit or city.school_a, upload=png(), name="photo.png")


def expire_on() -> str:
    return (timezone.localdate() + dt.timedelta(days=30)).isoformat()


# --- the sanitiser ------------------------------------------------------------------------------------------------


def test_script_event_handlers_and_styles_are_stripped():
    html = clean_body(
        '<p style="color:red" onclick="x()">好<script>alert(1)</script></p>'
        '<img src="/notices/images/1/" onerror="alert(2)"><iframe src="https://x.cn"></iframe>'
    )
    assert "script" not in html and "onclick" not in html and "onerror" not in html
    assert "style" not in html and "iframe" not in html and "alert(1)" not in html
    assert '<img src="/notices/images/1/">' in html


def test_javascript_links_lose_their_target_and_links_open_safely():
    html = clean_body('<p><a href="javascript:alert(1)">点我</a> <a href="https://jyj.example.cn/a">通知</a></p>')
    assert "javascript" not in html
    assert '<a href="https://jyj.example.cn/a" rel="noopener noreferrer nofollow">通知</a>' in html


@pytest.mark.parametrize(
    "src",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "https://evil.example.com/x.png",
        "/media/files/x.jpg",
        "/notices/images/x/",
    ],
)
def test_only_uploaded_notice_images_are_kept(src):
    html = clean_body(f'<p>图</p><img src="{src}" alt="a">')
    assert "<img" not in html and "data:" not in html


def test_editor_formatting_survives_and_headings_are_brought_to_two_levels():
    html = clean_body(
        "<h1>大</h1><h2>中</h2><h4>小</h4><p><strong>粗</strong> <em>斜</em></p>"
        "<ol><li>一</li></ol><ul><li>二</li></ul><p>a&nbsp;b</p>"
    )
    assert html == (
        "<h3>大</h3><h3>中</h3><h4>小</h4><p><strong>粗</strong> <em>斜</em></p>"
        "<ol><li>一</li></ol><ul><li>二</li></ul><p>a b</p>"
    )


# --- pictures in the body -----------------------------------------------------------------------------------------


def test_a_picture_of_the_issuer_is_kept_and_one_of_another_unit_is_dropped(city):
    own = upload(city)
    other = upload(city, "district_admin_b", city.school_b)
    notice = services.create_notice(
        actor=city.user("principal"),
        issuer=city.school_a,
        title="运动会通知",
        body=f'<p>见图</p><img src="/notices/images/{own.pk}/"><img src="/notices/images/{other.pk}/">',
    )
    assert f"/notices/images/{own.pk}/" in notice.body_html
    assert f"/notices/images/{other.pk}/" not in notice.body_html
    assert list(notice.images.all()) == [own]


def test_a_body_of_only_a_picture_is_not_empty(city):
    own = upload(city)
    notice = services.create_notice(
        actor=city.user("principal"),
        issuer=city.school_a,
        title="图",
        body=f'<p><img src="/notices/images/{own.pk}/"></p>',
    )
    assert notice.images.count() == 1


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("principal", 201),
        ("school_staff", 201),
        ("district_admin", 201),
        ("bureau_staff", 201),
        ("class_teacher", 403),
        ("doctor", 403),
        ("auditor", 403),
    ],
)
def test_image_upload_by_role(city, signed_in, key, status):
    response = signed_in(city.user(key)).post("/notices/images/", {"image": png()})
    assert response.status_code == status, response.content.decode()
    if status == 201:
        image = NoticeImage.objects.get()
        assert response.json() == {"id": image.pk, "url": f"/notices/images/{image.pk}/"}
        assert image.file.kind == "image" and image.file.width == 40  # sniffed and read as a picture
    else:
        assert "detail" in response.json()
        assert not NoticeImage.objects.exists() and not StoredFile.objects.exists()


def test_image_upload_for_a_unit_out_of_scope_is_404(city, signed_in):
    response = signed_in(city.user("principal")).post("/notices/images/", {"image": png(), "issuer": city.school_b.pk})
    assert response.status_code == 404
    assert not StoredFile.objects.exists()


def test_image_upload_refuses_a_file_that_is_not_a_picture_by_content(city, signed_in):
    fake = io.BytesIO(b"MZ\x90\x00 this is a program, not a picture")
    fake.name = "photo.png"
    response = signed_in(city.user("principal")).post("/notices/images/", {"image": fake})
    assert response.status_code == 400
    assert "不是允许的类型" in response.json()["detail"]
    assert not NoticeImage.objects.exists() and not StoredFile.objects.exists()


def test_image_upload_refuses_an_oversized_picture(city, signed_in, monkeypatch):
    monkeypatch.setattr("dudao.notices.services.images.IMAGE_MAX_BYTES", 100)
    response = signed_in(city.user("principal")).post("/notices/images/", {"image": png((300, 300))})
    assert response.status_code == 400
    assert "超过" in response.json()["detail"] and "上限" in response.json()["detail"]
    assert not NoticeImage.objects.exists() and not StoredFile.objects.exists()


def test_image_upload_without_a_file_says_so(city, signed_in):
    response = signed_in(city.user("principal")).post("/notices/images/", {})
    assert response.status_code == 400 and response.json()["detail"] == "请选择要插入的图片"


def test_an_upload_leaves_an_audit_event(city):
    from dudao.audit.models import AuditEvent

    image = upload(city)
    assert AuditEvent.objects.filter(action="upload_image", object_id=str(image.pk)).exists()


@pytest.mark.parametrize(
    ("key", "status"),
    [("principal", 200), ("district_admin", 200), ("district_admin_b", 404), ("doctor", 403)],
)
def test_staff_see_a_picture_of_their_scope_only(city, signed_in, key, status):
    image = upload(city)
    response = signed_in(city.user(key)).get(f"/notices/images/{image.pk}/")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"].startswith("image/")
        assert "attachment" not in response.get("Content-Disposition", "")


def test_a_school_reached_by_a_city_notice_sees_its_picture(city, signed_in):
    image = upload(city, "bureau_staff", city.root)
    notice = services.create_notice(
        actor=city.user("bureau_staff"),
        issuer=city.root,
        title="致全市家长的一封信",
        body=f'<p>各位家长</p><img src="/notices/images/{image.pk}/">',
    )
    services.send_notice(actor=city.user("bureau_staff"), notice=notice)
    assert signed_in(city.user("principal")).get(f"/notices/images/{image.pk}/").status_code == 200


def test_the_parent_page_shows_the_formatting_and_serves_its_pictures_through_the_link(city, client, make_notice):
    image = upload(city)
    stray = upload(city)
    notice = make_notice(
        body=f'<p><strong>请注意</strong></p><ul><li>不私自下水</li></ul><img src="/notices/images/{image.pk}/">'
    )
    token = tokens.link_token(first_link(notice, city.class_a1).pk)
    page = client.get(f"/n/{token}/").content.decode()
    assert "<strong>请注意</strong>" in page and "<li>不私自下水</li>" in page
    assert f'src="/n/{token}/images/{image.pk}/"' in page and f"/notices/images/{image.pk}/" not in page
    assert client.get(f"/n/{token}/images/{image.pk}/").status_code == 200
    assert client.get(f"/n/{token}/images/{stray.pk}/").status_code == 404  # not in this notice
    assert client.get(f"/n/x{token}/images/{image.pk}/").status_code == 404


# --- the question builder -----------------------------------------------------------------------------------------


def post_notice(client: Client, questions: Any, **extra: Any) -> Any:
    data = {"title": "家长会通知", "body": "各位家长", "links_expire_on": expire_on(), **extra}
    data["questions"] = questions if isinstance(questions, str) else json.dumps(questions, ensure_ascii=False)
    return client.post("/notices/new/", data)


def test_the_builder_json_is_saved_as_the_question_list(city, signed_in):
    questions = [
        {"kind": "choice", "label": "是否参加", "options": ["参加", "不参加"], "required": True},
        {"kind": "multi", "label": "关心的内容", "options": ["学习", "安全", "午餐"], "required": False},
        {"kind": "text", "label": "建议", "options": [], "required": False},
        {"kind": "confirm", "label": "我已知晓", "options": [], "required": True},
    ]
    response = post_notice(signed_in(city.user("principal")), questions)
    assert response.status_code == 302
    saved = Notice.objects.get().questions
    assert [(q["key"], q["kind"], q["label"], q["options"], q["required"]) for q in saved] == [
        ("q1", "choice", "是否参加", ["参加", "不参加"], True),
        ("q2", "multi", "关心的内容", ["学习", "安全", "午餐"], False),
        ("q3", "text", "建议", [], False),
        ("q4", "confirm", "我已知晓", [], True),
    ]


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([{"kind": "choice", "label": " ", "options": ["是", "否"]}], "第 1 个问题的题目是空的"),
        ([{"kind": "confirm", "label": "知晓"}, {"kind": "choice", "label": "外出", "options": ["是", ""]}],
         "第 2 个问题（单选）至少要有 2 个选项"),
        ([{"kind": "multi", "label": "方式", "options": ["火车", "飞机", "火车"]}], "第 1 个问题的选项“火车”重复了"),
        ([{"kind": "confirm", "label": f"问题{i}"} for i in range(11)], "回执问题最多 10 个"),
        ([{"kind": "rank", "label": "排序"}], "第 1 个问题的类型不正确"),
        ("[{", "回执问题的数据不完整"),
        ('{"kind": "confirm"}', "回执问题的数据不完整"),
    ],
)  # fmt: skip
def test_bad_builder_input_is_shown_by_the_field_and_nothing_is_saved(city, signed_in, questions, message):
    response = post_notice(signed_in(city.user("principal")), questions)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'data-testid="questions-error"' in response.content.decode()
    assert not Notice.objects.exists()


def test_without_scripts_the_one_line_syntax_still_works(city, signed_in):
    response = post_notice(signed_in(city.user("principal")), "[]", questions_text="单选：是否外出？|是|否")
    assert response.status_code == 302
    assert Notice.objects.get().questions[0]["options"] == ["是", "否"]


def test_editing_a_draft_fills_the_builder(city, signed_in, make_notice):
    notice = make_notice(send=False, questions=[{"kind": "choice", "label": "寒假是否外出", "options": ["是", "否"]}])
    page = signed_in(city.user("principal")).get(f"/notices/{notice.pk}/edit/").content.decode()
    assert "data-question-builder" in page and "&quot;寒假是否外出&quot;" in page
    assert "notices/questions.js" in page and "vendor/quill/quill.min.js" in page


def test_the_api_still_takes_the_structured_list_with_the_same_checks(city, client):
    _, plain = accounts.create_token(actor=city.user("principal"), name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    payload = {"title": "t", "body": "b", "questions": [{"kind": "choice", "label": "x", "options": ["是", "是"]}]}
    response = client.post("/api/v1/notices", payload, content_type="application/json", **headers)
    assert response.status_code == 400 and "重复" in response.json()["detail"]
    assert not Notice.objects.exists()


# --- the audience picker ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "status"),
    [("principal", 200), ("school_staff", 200), ("district_admin", 200), ("class_teacher", 403), ("doctor", 403)],
)
def test_tree_level_by_role(city, signed_in, key, status):
    response = signed_in(city.user(key)).get(f"/notices/audience/children/?unit={city.grade_a.pk}")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "七年级（1）班" in page and "七年级（2）班" in page and "3 人" in page


def test_tree_level_outside_the_issuer_is_404(city, signed_in):
    client = signed_in(city.user("principal"))
    assert client.get(f"/notices/audience/children/?unit={city.class_b1.pk}").status_code == 404
    assert (
        client.get(f"/notices/audience/children/?unit={city.grade_a.pk}&issuer={city.school_b.pk}").status_code == 404
    )
    assert client.get("/notices/audience/children/?unit=x").status_code == 404


def test_a_district_tree_lists_its_schools_with_their_classes(city, signed_in):
    page = signed_in(city.user("district_admin")).get(f"/notices/audience/children/?unit={city.district_a.pk}")
    text = page.content.decode()
    assert "甲区第五中学" in text and "2 个班 · 5 人" in text and "乙区" not in text


def test_search_finds_classes_of_the_school_and_says_where_they_are(city, signed_in):
    page = signed_in(city.user("district_admin")).get("/notices/audience/search/?q=五中").content.decode()
    assert "甲区第五中学" in page
    page = signed_in(city.user("principal")).get("/notices/audience/search/?q=（2）").content.decode()
    assert "七年级（2）班" in page and "七年级（1）班" not in page
    assert "没有名称含" in signed_in(city.user("principal")).get("/notices/audience/search/?q=高三").content.decode()


@pytest.mark.parametrize(
    ("key", "status"), [("principal", 200), ("district_admin", 200), ("class_teacher", 403), ("auditor", 403)]
)
def test_count_by_role(city, signed_in, key, status):
    url = f"/notices/audience/count/?audience_units={city.class_a1.pk}"
    if key == "district_admin":
        url += f"&issuer={city.school_a.pk}"
    assert signed_in(city.user(key)).get(url).status_code == status


def test_count_of_two_classes(city, signed_in):
    url = f"/notices/audience/count/?audience_units={city.class_a1.pk}&audience_units={city.class_a2.pk}"
    page = signed_in(city.user("principal")).get(url).content.decode()
    # 3 students with 2 guardians each, 2 with one.
    assert "将发送给 <b" in page and ">2</b> 个班级" in page and "<b>5</b> 名学生" in page and ">8</b> 位家长" in page


def test_count_without_units_is_the_whole_issuer_and_narrows_by_group(city, signed_in):
    client = signed_in(city.user("district_admin"))
    assert ">3</b> 个班级" in client.get("/notices/audience/count/").content.decode()
    city.students["a1"][0].__class__.objects.filter(pk=city.students["a1"][0].pk).update(is_left_behind=True)
    page = client.get("/notices/audience/count/?flags=is_left_behind").content.decode()
    assert ">1</b> 个班级" in page and "<b>1</b> 名学生" in page


def test_count_outside_the_issuer_is_404(city, signed_in):
    response = signed_in(city.user("principal")).get(f"/notices/audience/count/?audience_units={city.class_b1.pk}")
    assert response.status_code == 404


def test_count_of_many_units_takes_a_fixed_number_of_queries(city, signed_in, django_assert_max_num_queries):
    client = signed_in(city.user("district_admin"))
    units = [city.class_a1, city.class_a2, city.school_a2, city.grade_a]
    query = "&".join(f"audience_units={u.pk}" for u in units)
    client.get(f"/notices/audience/count/?{query}")  # session and enrolment table warm
    with django_assert_max_num_queries(8):
        client.get(f"/notices/audience/count/?{query}&grade_names=七年级")


def test_ticking_a_school_and_one_of_its_classes_keeps_the_school(city):
    notice = services.create_notice(
        actor=city.user("district_admin"),
        issuer=city.district_a,
        title="t",
        body="b",
        audience_units=[city.class_a1, city.school_a],
    )
    assert list(notice.audience_units.all()) == [city.school_a]


def test_the_draft_shows_whom_it_will_reach_before_sending(city, signed_in, make_notice):
    notice = make_notice(send=False, audience_units=[city.class_a1])
    page = signed_in(city.user("principal")).get(f"/notices/{notice.pk}/").content.decode()
    assert "将下发给" in page and "七年级（1）班" in page
    assert ">1</b> 个班级" in page and "将发送给 1 个班级、3 名学生（约 6 位家长）" in page


def test_the_form_lists_the_first_level_and_the_ticked_units(city, signed_in, make_notice):
    notice = make_notice(send=False, audience_units=[city.class_a1])
    page = signed_in(city.user("principal")).get(f"/notices/{notice.pk}/edit/").content.decode()
    assert 'data-testid="audience-tree"' in page and "七年级" in page
    assert f'name="audience_units" value="{city.class_a1.pk}"' in page and "移除 七年级（1）班" in page


def test_a_posted_unit_outside_the_issuer_is_refused_with_a_message(city, signed_in):
    response = post_notice(signed_in(city.user("principal")), [], audience_units=[city.class_b1.pk])
    assert response.status_code == 400
    assert "发送范围中有单位不存在或不在发文单位之内" in response.content.decode()
    assert not Notice.objects.exists()


def test_count_selector_matches_what_sending_reaches(city):
    count = audience.count(city.district_a, [city.grade_a], ["七年级"], [])
    notice = services.create_notice(
        actor=city.user("district_admin"),
        issuer=city.district_a,
        title="t",
        body="b",
        audience_units=[city.grade_a],
        grade_names=["七年级"],
    )
    result = services.send_notice(actor=city.user("district_admin"), notice=notice)
    assert (count.classes, count.students, count.guardians) == (result["classes"], result["students"], result["links"])


def test_guardians_are_estimated_above_the_exact_limit(city, monkeypatch):
    monkeypatch.setattr(audience, "GUARDIANS_EXACT_LIMIT", 2)
    count = audience.count(city.school_a, [], [], [])
    assert count.students == 5 and count.guardians_estimated


# --- the API ------------------------------------------------------------------------------------------------------


def bearer(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize(("key", "status"), [("principal", 200), ("class_teacher", 403), ("auditor", 403)])
def test_api_audience_count_by_role(city, client, key, status):
    response = client.get(f"/api/v1/notices/audience-count?units={city.class_a1.pk}", **bearer(city, key))
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"classes": 1, "students": 3, "guardians": 6, "guardians_estimated": False}


def test_api_audience_count_out_of_scope_is_404(city, client):
    headers = bearer(city, "principal")
    assert client.get(f"/api/v1/notices/audience-count?units={city.class_b1.pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/notices/audience-count?issuer={city.school_b.pk}", **headers).status_code == 404


@pytest.mark.parametrize(("key", "status"), [("principal", 201), ("class_teacher", 403), ("doctor", 403)])
def test_api_image_upload_by_role(city, client, key, status):
    response = client.post("/api/v1/notices/images", {"image": png()}, **bearer(city, key))
    assert response.status_code == status
    assert NoticeImage.objects.count() == (1 if status == 201 else 0)


def test_api_image_upload_refuses_a_renamed_file(city, client):
    fake = io.BytesIO(b"%PDF-1.4 not a picture")
    fake.name = "x.jpg"
    response = client.post("/api/v1/notices/images", {"image": fake}, **bearer(city, "principal"))
    assert response.status_code == 400 and "不是允许的类型" in response.json()["detail"]
    assert not StoredFile.objects.exists()


def test_upload_service_refuses_a_unit_that_cannot_issue(city):
    with pytest.raises(DomainError):
        services.upload_image(actor=city.user("principal"), unit=city.grade_a, upload=png(), name="a.png")
    assert not StoredFile.objects.exists()


def test_a_district_of_120_schools_opens_in_a_fixed_number_of_queries(city, signed_in, django_assert_max_num_queries):
    from dudao.orgs.models import OrgUnit

    district = OrgUnit.objects.get(pk=city.district_a.pk)
    for number in range(120):
        school = district.add_child(name=f"甲区第{number + 10}小学", kind="school")
        district = OrgUnit.objects.get(pk=district.pk)
        school.add_child(name="一年级", kind="grade")
    client = signed_in(city.user("district_admin"))
    client.get(f"/notices/audience/children/?unit={district.pk}")  # session and enrolment table warm
    with django_assert_max_num_queries(8):
        page = client.get(f"/notices/audience/children/?unit={district.pk}").content.decode()
    assert page.count('class="audience-node"') == 122 and "甲区第129小学" in page
