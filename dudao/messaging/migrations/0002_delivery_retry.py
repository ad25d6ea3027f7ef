from django.db import migrations, models


def cancel_skipped(apps, schema_editor):
    """Pushes given up because the message was read in the app or the account unbound are no channel failures."""
    Delivery = apps.get_model("messaging", "Delivery")
    Delivery.objects.filter(status="failed", last_error__in=["已在消息中心阅读，无需再推送", "账号已解绑"]).update(
        status="cancelled"
    )


def uncancel(apps, schema_editor):
    Delivery = apps.get_model("messaging", "Delivery")
    Delivery.objects.filter(status="cancelled").update(status="failed")


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近尝试时间"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "待发送"),
                    ("held", "免打扰暂缓"),
                    ("sending", "发送中"),
                    ("retry", "等待重试"),
                    ("sent", "已发送"),
                    ("failed", "发送失败"),
                    ("cancelled", "无需推送"),
                ],
                default="pending",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(cancel_skipped, uncancel),
    ]
