from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dudao.accounts.models import User
from dudao.demo.loader import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    PROVINCE_LOGINS,
    SCALE_NAMES,
    database_is_empty,
    load,
)


class Command(BaseCommand):
    help = (
        "Load the deterministic demo city (small: ~40 schools; city: ~1,500 schools, 1.2M students; "
        "province: six such cities under a provincial department, ~7.5M students, PostgreSQL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["small", "city", "province"], default="small")
        parser.add_argument("--seed", type=int, default=20261128)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database has data")
        parser.add_argument("--logins", action="store_true", help="only print the demo logins")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["logins"]:
            self.print_logins()
            return
        if not database_is_empty():
            if options["if_empty"]:
                self.stdout.write("数据库已有数据，跳过演示数据载入")
                self.print_logins()
                return
            raise CommandError("数据库中已有数据，演示数据只能载入空数据库（可删除 var/dudao.sqlite3 后重试）")
        report = load(scale=options["scale"], seed=options["seed"])
        c = report.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据（{SCALE_NAMES.get(report.scale, report.scale)}）已载入："
                f"{c.get('units', 0)} 个单位，{c.get('students', 0)} 名学生，"
                f"{c.get('guardians', 0)} 名监护人，{c.get('users', 0)} 个教职工账户；"
                f"共 {report.rows} 行，用时 {report.seconds:.1f} 秒"
            )
        )
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(f"\n演示账户（密码均为 {DEMO_PASSWORD}，仅在 DEBUG 或 DUDAO_DEMO=1 时可登录）：")
        logins = list(DEMO_LOGINS)
        if User.objects.filter(username=PROVINCE_LOGINS[0][0]).exists():
            logins += PROVINCE_LOGINS  # the province demo's department logins
        for username, full_name, title, _role, _, _ in logins:
            self.stdout.write(f"  {username:<20} {full_name}（{title}）")
