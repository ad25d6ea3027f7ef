from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("breakdown", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="row",
            name="kind",
            field=models.CharField(
                choices=[("task", "任务"), ("review", "回顾"), ("other", "非任务")],
                default="task",
                max_length=10,
                verbose_name="类别",
            ),
        ),
        migrations.AddField(
            model_name="row",
            name="damaged",
            field=models.BooleanField(default=False, verbose_name="原文有残缺"),
        ),
        migrations.AddField(
            model_name="row",
            name="corrected",
            field=models.BooleanField(default=False, verbose_name="经人工修改"),
        ),
    ]
