"""Default disease list, isolation periods and cluster thresholds (national guidance; a bureau may change them)."""

from django.db import migrations

# code, name, notifiable, min days from onset, hours symptom-free, rule text
DISEASES = [
    ("ILI", "流感样病例", False, 0, 48, "体温恢复正常、症状消失 48 小时后"),
    ("FLU", "流行性感冒", True, 0, 48, "体温恢复正常、症状消失 48 小时后"),
    ("VARICELLA", "水痘", False, 14, 0, "全部疱疹结痂干燥，且发病后不少于 14 天"),
    ("MUMPS", "流行性腮腺炎", True, 9, 0, "腮腺肿大完全消退，约发病后 9 天"),
    ("SCARLET", "猩红热", True, 7, 0, "治疗开始后至少 7 天"),
    ("MEASLES", "麻疹", True, 5, 0, "出疹后至少 5 天"),
    ("RUBELLA", "风疹", True, 5, 0, "出疹后至少 5 天"),
    ("HFMD", "手足口病", True, 7, 0, "症状消失、发病后至少 7 天"),
    ("NOROVIRUS", "诺如病毒感染", False, 0, 72, "症状消失 72 小时后"),
    ("DYSENTERY", "细菌性痢疾", True, 7, 0, "症状消失、粪检阴性，发病后至少 7 天"),
    ("AHC", "急性出血性结膜炎", True, 7, 0, "症状消失，发病后至少 7 天"),
    ("DENGUE", "登革热", True, 7, 0, "热退、发病后至少 7 天"),
    ("OTHER", "其他疾病", False, 0, 0, ""),
]
# code, scope, count, window days
THRESHOLDS = [
    ("ILI", "school", 10, 7),
    ("FLU", "school", 10, 7),
    ("HFMD", "school", 5, 7),
    ("HFMD", "class", 2, 7),
    ("NOROVIRUS", "school", 10, 7),
    ("DYSENTERY", "school", 10, 3),
    ("AHC", "school", 3, 7),
    ("SCARLET", "school", 10, 7),
    ("MEASLES", "school", 2, 10),
    ("RUBELLA", "school", 5, 7),
    ("MUMPS", "school", 5, 7),
    ("VARICELLA", "school", 5, 7),
    ("DENGUE", "school", 3, 14),
]


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Idempotent: also run by the demo step, because a test database flush (live-server tests) empties tables
    that a data migration filled."""
    Disease = apps.get_model("health", "Disease")
    Threshold = apps.get_model("health", "ClusterThreshold")
    if Disease.objects.exists():
        return
    by_code = {}
    for order, (code, name, notifiable, days, hours, text) in enumerate(DISEASES):
        by_code[code] = Disease.objects.create(
            code=code,
            name=name,
            is_notifiable=notifiable,
            needs_clearance=code != "OTHER",
            min_days=days,
            symptom_free_hours=hours,
            rule_text=text,
            ordering=order,
        )
    for code, scope, count, window in THRESHOLDS:
        Threshold.objects.create(disease=by_code[code], scope=scope, count=count, window_days=window)


def unload(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("health", "ClusterThreshold").objects.all().delete()
    apps.get_model("health", "Disease").objects.filter(code__in=[d[0] for d in DISEASES]).delete()


class Migration(migrations.Migration):
    dependencies = [("health", "0001_checks_alerts_supplies")]
    operations = [migrations.RunPython(load, unload)]
