"""Record the rectifications filed through the case action before it shared the rating's service.

Until then ``POST /cases/{no}/rectify/`` moved the case back to ``completed`` and wrote a ``rectified`` timeline
row but no ``Rectification``, so the follow-up rating was refused and the sweep would call the report late.
For each bad rating without a record, the first ``rectified`` event of its case after the rating becomes its
record (idempotent; ``resident_notified_at`` stays empty: no SMS was sent then).
"""

from django.db import migrations


def backfill(apps, schema_editor):
    Rating = apps.get_model("workflows", "Rating")
    Rectification = apps.get_model("workflows", "Rectification")
    CaseEvent = apps.get_model("workflows", "CaseEvent")
    bad = Rating.objects.filter(value__lte=2, case__isnull=False, rectification__isnull=True).exclude(
        case__status="rectifying"
    )
    for rating in bad.iterator(chunk_size=500):
        event = (
            CaseEvent.objects.filter(case_id=rating.case_id, kind="rectified", at__gte=rating.created_at)
            .order_by("at", "id")
            .first()
        )
        if event is not None:
            Rectification.objects.get_or_create(
                rating=rating,
                defaults={"at": event.at, "by_id": event.actor_id, "report": event.note or "已整改"},
            )


class Migration(migrations.Migration):
    dependencies = [("workflows", "0006_case_case_status_created_idx")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
