"""Factories for training tests."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from agency.models import Matter
from agency.tests.factories import AgentFactory, CenterFactory
from training.models import Attendance, TrainingEvent


class TrainingEventFactory(DjangoModelFactory):
    class Meta:
        model = TrainingEvent

    kind = TrainingEvent.Kind.COURSE
    title = factory.Sequence(lambda n: f"专题培训{n}")
    date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))
    hours = Decimal("4.0")
    organiser = "区行政审批服务局"
    site = factory.SubFactory(CenterFactory)
    categories = factory.LazyFunction(lambda: [Matter.Category.CERTIFICATE])
    grants_qualification = True


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = Attendance

    event = factory.SubFactory(TrainingEventFactory)
    agent = factory.SubFactory(AgentFactory)
    hours = factory.LazyAttribute(lambda o: o.event.hours)
    result = Attendance.Result.ATTENDED
