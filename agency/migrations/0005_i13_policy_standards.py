"""Issue 13: the standards tables true to the policy (附件1/附件2 as shipped in agency/data).

Adds the policy's wording, structured requirements and the policy's own value to each criterion row, then
makes the rows equal to ``agency/data/station_standards.json``: a row still holding the placeholder figures
of 0004 (or an earlier, untouched load of the policy) is overwritten; a row that staff edited since seeding
keeps its values and gets the policy's value beside it, so pages show it as "本区修订".
"""

import importlib
from decimal import Decimal

from django.db import migrations, models

from standards.policy import policy_cells  # agency.standards_policy until issue 25


def _placeholders():
    """``{(kind, tier, key): (min_value, items)}`` exactly as 0004 seeded them."""
    seed = importlib.import_module("agency.migrations.0004_seed_station_standards")
    out = {}
    for kind, rows in (("center", seed.CENTER_ROWS), ("station", seed.STATION_ROWS)):
        for key, _unit, _source, tiers in rows:
            for tier, value in tiers.items():
                if isinstance(value, list):
                    out[(kind, tier, key)] = (None, list(value))
                elif isinstance(value, bool):
                    out[(kind, tier, key)] = (None, [])
                else:
                    out[(kind, tier, key)] = (Decimal(value), [])
    return out


def _own(row):
    return {
        "min_value": None if row.min_value is None else float(row.min_value),
        "required_items": list(row.required_items or []),
        "spec": dict(row.spec or {}),
    }


def load_policy(apps, schema_editor):
    Criterion = apps.get_model("agency", "StandardCriterion")
    placeholders = _placeholders()
    seen = set()
    for cell in policy_cells():
        ident = (cell["site_kind"], cell["tier"], cell["key"])
        seen.add(ident)
        value = cell["policy"]
        row = Criterion.objects.filter(site_kind=ident[0], tier=ident[1], key=ident[2]).first()
        wording = {k: cell[k] for k in ("name", "unit", "source", "text", "sort_order")}
        policy_values = {
            "min_value": None if value["min_value"] is None else Decimal(str(value["min_value"])),
            "required_items": value["required_items"],
            "spec": value["spec"],
        }
        if row is None:
            Criterion.objects.create(
                site_kind=ident[0],
                tier=ident[1],
                key=ident[2],
                policy=value,
                is_active=True,
                **wording,
                **policy_values,
            )
            continue
        untouched = (row.min_value, list(row.required_items or [])) == placeholders.get(
            ident
        ) and not row.spec
        if untouched or (row.policy and _own(row) == row.policy):
            for name, v in {**wording, **policy_values}.items():
                setattr(row, name, v)
            row.note = ""
        else:  # edited by staff since seeding: keep their values, record the policy's beside them
            row.name, row.text, row.source = cell["name"], cell["text"], cell["source"]
            row.note = "本区修订"
        row.policy = value
        row.save()
    # A placeholder row for a cell the policy does not have would keep blocking tiers: retire it.
    for row in Criterion.objects.all():
        ident = (row.site_kind, row.tier, row.key)
        if ident not in seen and (row.min_value, list(row.required_items or [])) == placeholders.get(ident):
            row.is_active = False
            row.save(update_fields=["is_active"])


class Migration(migrations.Migration):
    dependencies = [
        ("agency", "0004_seed_station_standards"),
    ]

    operations = [
        migrations.AddField(
            model_name="standardcriterion",
            name="name",
            field=models.CharField(blank=True, max_length=64, verbose_name="表中名称"),
        ),
        migrations.AddField(
            model_name="standardcriterion",
            name="policy",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="政策原值"),
        ),
        migrations.AddField(
            model_name="standardcriterion",
            name="spec",
            field=models.JSONField(blank=True, default=dict, verbose_name="结构化要求"),
        ),
        migrations.AddField(
            model_name="standardcriterion",
            name="text",
            field=models.CharField(blank=True, max_length=255, verbose_name="政策原文"),
        ),
        migrations.RunPython(load_policy, migrations.RunPython.noop),
    ]
