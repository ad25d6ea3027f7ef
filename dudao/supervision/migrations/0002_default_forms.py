"""The default 问责形式 a bureau starts with (it may add, rename by adding, and switch off forms later)."""

from django.db import migrations

DEFAULTS = ["约谈", "通报批评", "责令整改", "诫勉谈话", "组织处理"]


def add_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    form = apps.get_model("supervision", "AccountabilityForm")
    for index, name in enumerate(DEFAULTS, start=1):
        form.objects.get_or_create(name=name, defaults={"order": index * 10})


def remove_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("supervision", "AccountabilityForm").objects.filter(name__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_orders_records")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
