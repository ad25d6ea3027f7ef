from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dudao.audit.models import AuditEvent
from dudao.audit.services import verify_chain
from dudao.orgs import services
from tests.factories import City

pytestmark = pytest.mark.django_db


def make_events(city: City, n: int = 3) -> None:
    for i in range(n):
        services.create_unit(actor=city.user("district_admin"), parent=city.district_a, name=f"新校{i}", kind="school")


def test_chain_verifies_when_untouched(city: City, capsys: pytest.CaptureFixture[str]) -> None:
    make_events(city)
    assert verify_chain().ok
    call_command("audit_verify")
    assert "审计链完整" in capsys.readouterr().out


def drop_guard_triggers() -> None:
    """What an intruder with owner rights would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
        else:
            cursor.execute("DROP TRIGGER audit_event_append_only ON audit_auditevent")


def test_database_refuses_update_and_delete(city: City) -> None:
    from django.db import DatabaseError, transaction

    make_events(city, 1)
    statements = ["UPDATE audit_auditevent SET object_repr = 'x'", "DELETE FROM audit_auditevent"]
    for sql in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert verify_chain().ok


def test_altered_row_is_reported_at_its_sequence(city: City) -> None:
    make_events(city)
    target = AuditEvent.objects.order_by("seq")[1]
    drop_guard_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    result = verify_chain()
    assert result.broken_seq == target.seq and "被修改" in result.reason
    with pytest.raises(CommandError, match=f"第 {target.seq} 条"):
        call_command("audit_verify")


def test_deleted_row_is_reported(city: City) -> None:
    make_events(city)
    target = AuditEvent.objects.order_by("seq")[1]
    drop_guard_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    assert verify_chain().broken_seq == target.seq


def test_nightly_task_reports_chain_state(city: City) -> None:
    from dudao.audit.tasks import verify_audit_chain

    make_events(city, 1)
    assert verify_audit_chain.call_local() is True


def test_events_are_append_only_in_the_application(city: City) -> None:
    make_events(city, 1)
    event = AuditEvent.objects.first()
    assert event is not None
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_event_records_actor_ip_request_and_acting_unit(login, city: City) -> None:
    client = login(city.user("district_admin"))
    client.post(
        f"/orgs/{city.district_a.pk}/create/",
        {"name": "甲区第九小学", "kind": "school"},
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_REQUEST_ID="req-abcdef123456",
    )
    event = AuditEvent.objects.filter(action="create").latest("seq")
    assert event.actor_name == "district.admin" and event.ip == "10.1.2.3"
    assert event.request_id == "req-abcdef123456" and event.acting_unit_name == "甲区教育局"
    assert event.object_repr == "甲区第九小学"


def test_auditor_page_filters_and_exports(login, city: City) -> None:
    make_events(city, 2)
    client = login(city.user("auditor"))
    page = client.get("/audit/?action=create").content.decode()
    assert "新校0" in page and "新校1" in page
    export = client.get("/audit/export.xlsx?action=create")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    import io

    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content))).get_sheet_by_index(0)
    table = rows.to_python()
    assert table[0][:4] == ["序号", "时间", "类别", "操作"]
    assert {row[3] for row in table[1:]} == {"新增"} and len(table) == 3
    assert AuditEvent.objects.filter(action="export_audit").exists()


def test_security_officer_sees_only_access_events(login, city: City) -> None:
    make_events(city, 1)
    services.reveal_student(actor=city.user("principal"), student=city.students["a1"][0], fields=["id_card_no"])
    client = login(city.user("security_officer"))
    page = client.get("/audit/").content.decode()
    assert "view_unmasked" in page and "新校0" not in page


def test_changes_are_described_in_words() -> None:
    from dudao.audit.labels import action_label, describe_changes

    assert action_label("view_unmasked") == "查看完整个人信息"
    assert describe_changes({"name": ["甲", "乙"]}) == ["名称：甲 → 乙"]
    assert describe_changes({"after": {"name": "五中", "code": ""}}) == ["＋ 名称：五中", "＋ 代码：（空）"]


def test_anchor_detects_events_cut_from_the_end(city: City) -> None:
    from dudao.audit.models import ChainHead

    make_events(city, 3)
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    anchor = f"{last.seq}:{last.hash}"
    call_command("audit_verify", "--anchor", anchor)
    drop_guard_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [last.seq])
    previous = AuditEvent.objects.order_by("-seq").first()
    assert previous is not None
    ChainHead.objects.filter(pk=1).update(seq=previous.seq, hash=previous.hash)
    assert verify_chain().ok  # the chain alone cannot see a clean cut...
    with pytest.raises(CommandError, match="不存在"):
        call_command("audit_verify", "--anchor", anchor)  # ...the anchor kept outside can


def test_access_details_are_not_read_as_before_and_after() -> None:
    from dudao.audit.labels import describe_changes

    details = {"fields": ["guardian_phones", "id_card_no"]}
    assert describe_changes(details, is_diff=False) == ["查看项目：监护人电话、身份证号"]


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_trail_and_the_delete_guard_stands_again() -> None:
    """A flush (owner's operation; test databases between transactional tests) passes the guard, then it is back."""
    from django.db import DatabaseError, transaction

    from dudao.audit.services import Entry, append

    append(actor=None, entries=[Entry(action="probe", object_type="test", object_repr="probe", unit_path="")])
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    append(actor=None, entries=[Entry(action="probe", object_type="test", object_repr="probe", unit_path="")])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 1
