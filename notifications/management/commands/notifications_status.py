"""``manage.py notifications_status``: outbox counts by status and the oldest pending age (for operators)."""

import json
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.models import Notification
from notifications.selectors import outbox_recent_failures, outbox_status, provider_stats


class Command(BaseCommand):
    help = "通知发件箱状态：各状态数量与最早待发送消息的等待时长。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args: Any, **options: Any) -> None:
        status = outbox_status()
        if options["json"]:
            payload = dict(status)
            at = payload["oldest_pending_at"]
            payload["oldest_pending_at"] = at.isoformat() if at else None
            held_until = payload["held_until"]
            payload["held_until"] = held_until.isoformat() if held_until else None
            payload["recent_failures"] = outbox_recent_failures()
            payload["providers"] = provider_stats()
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        held = status["held"]
        for name, n in status["counts"].items():
            if name == Notification.Status.PENDING and n:
                # pending = due now + held for later: say both, so the age line below never seems to contradict it
                self.stdout.write(f"{name}: {n} (due now: {n - held}, held for later: {held})")
            else:
                self.stdout.write(f"{name}: {n}")
        held_line = f"held (quiet hours / cap): {held}"
        if status["held_until"] is not None:
            held_line += (
                f", first due at {timezone.localtime(status['held_until']).isoformat(timespec='seconds')}"
            )
        self.stdout.write(held_line)
        self.stdout.write(f"hand-offs waiting to go out (异地转办): {status['handoff_pending']}")
        age = status["oldest_pending_age_seconds"]
        if age is None:
            # the age counts only rows already due: held rows are not late
            self.stdout.write("oldest pending: none due" + (f" ({held} held, not yet due)" if held else ""))
        else:
            at = timezone.localtime(status["oldest_pending_at"]).isoformat(timespec="seconds")
            self.stdout.write(f"oldest pending: {age}s (due since {at})")
        for p in provider_stats():  # issue 27: per SMS provider
            reasons = "、".join(f"{k} {v}" for k, v in sorted(p["failed_by_reason"].items())) or "-"
            lag = p["receipt_lag_avg_seconds"]
            self.stdout.write(
                f"provider {p['provider']}: sent {p['sent']}, delivered {p['delivered']}, "
                f"waiting for receipt {p['waiting']}, failed {p['failed']} ({reasons}), "
                f"receipt lag avg {lag if lag is not None else '-'}s max "
                f"{p['receipt_lag_max_seconds'] if p['receipt_lag_max_seconds'] is not None else '-'}s"
            )
        failures = outbox_recent_failures()
        if failures:
            self.stdout.write("recent failures:")
            for row in failures:
                error = " ".join(row["last_error"].split())[:200]
                self.stdout.write(f"  {row['dedupe_key']} (attempts {row['attempts']}): {error}")
