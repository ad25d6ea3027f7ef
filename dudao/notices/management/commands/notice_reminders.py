from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dudao.notices.services import run_reminders


class Command(BaseCommand):
    help = "Send today's daily notice reminders (idempotent per plan and day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today, Beijing time)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = dt.date.fromisoformat(options["date"]) if options.get("date") else None
        result = run_reminders(today=day)
        self.stdout.write(f"plans={result['plans']} messages={result['messages']}")
