"""Factories and a two-town world for the standards tests."""

import importlib
import io
from dataclasses import dataclass
from typing import cast

import factory
from django.apps import apps as django_apps
from django.utils import timezone
from factory.django import DjangoModelFactory
from PIL import Image

from agency.models import Agent, Site
from agency.tests.factories import AgentFactory, CenterFactory, StationFactory
from core.models import User
from standards.models import Assessment, StandardCriterion


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    site = factory.SubFactory(StationFactory)
    answers = factory.LazyFunction(dict)
    submitted_at = factory.LazyFunction(timezone.now)


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    """A phone photo: JPEG carrying a GPS block (must come out without it)."""
    img = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (36.0, 40.0, 12.0), 3: "E", 4: (117.0, 0.0, 5.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@dataclass
class World:
    center_a: Site
    station_a: Site
    center_b: Site
    station_b: Site
    staff_a: User  # station staff of station_a
    town_a: User  # town staff of center_a
    staff_b: User
    town_b: User
    district: User
    grid_a: User


def policy_rows_ensure() -> None:
    """The policy rows that migration 0005 loads, loaded again when a transactional test before this one
    flushed them (pytest-django empties every table after a ``transaction=True`` test): the same data step,
    not a second copy of it."""
    if not StandardCriterion.objects.filter(is_active=True).exists():
        importlib.import_module("agency.migrations.0005_i13_policy_standards").load_policy(_LiveApps(), None)


class _LiveApps:
    """The app registry as migration 0005 asks it: ``agency.StandardCriterion`` is now ``standards``' model
    (same table; the model moved apps in issue 25's standards step)."""

    def get_model(self, app_label: str, model_name: str):  # type: ignore[no-untyped-def]
        if model_name == "StandardCriterion":
            return StandardCriterion
        return django_apps.get_model(app_label, model_name)


def build_world() -> World:
    policy_rows_ensure()
    center_a, center_b = cast(Site, CenterFactory()), cast(Site, CenterFactory())
    station_a = cast(Site, StationFactory(parent=center_a))
    station_b = cast(Site, StationFactory(parent=center_b))

    def agent(kind: str, site: Site | None) -> User:
        return cast(Agent, AgentFactory(kind=kind, sites=[site] if site else [])).user  # type: ignore[return-value]

    return World(
        center_a=center_a,
        station_a=station_a,
        center_b=center_b,
        station_b=station_b,
        staff_a=agent(Agent.Kind.STATION_STAFF, station_a),
        town_a=agent(Agent.Kind.TOWN_STAFF, center_a),
        staff_b=agent(Agent.Kind.STATION_STAFF, station_b),
        town_b=agent(Agent.Kind.TOWN_STAFF, center_b),
        district=agent(Agent.Kind.DISTRICT_ADMIN, None),
        grid_a=agent(Agent.Kind.GRID_WORKER, station_a),
    )
