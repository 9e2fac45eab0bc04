"""factory_boy factories for the agency domain (used by every app's tests)."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from agency.models import Agent, Area, DutyShift, Grid, Matter, Site, SiteMatter
from core.models import User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("pw-Test-12345")


class AreaFactory(DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"3701{n:04d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    level = Area.Level.TOWN


class MatterFactory(DjangoModelFactory):
    class Meta:
        model = Matter
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"M{n:04d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    category = Matter.Category.CERTIFICATE
    materials = factory.LazyFunction(lambda: ["居民身份证", "户口簿"])
    time_limit_days = 5
    doorstep = True


class CenterFactory(DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"测试镇{n}便民服务中心")
    kind = Site.Kind.CENTER
    tier = Site.Tier.STANDARD
    area = factory.SubFactory(AreaFactory)
    address = "测试路1号"
    phone = "0531-88880000"
    hours = "周一至周五 9:00-17:00"
    policy_text = "帮办代办制度：首问负责、一次性告知、限时办结。"


class StationFactory(DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"测试村{n}便民服务站")
    kind = Site.Kind.STATION
    tier = Site.Tier.BASIC
    parent = factory.SubFactory(CenterFactory)
    area = factory.LazyAttribute(
        lambda o: AreaFactory(level=Area.Level.VILLAGE, parent=o.parent.area if o.parent else None)
    )
    address = "测试村委会"
    phone = "0531-88881111"
    hours = "周一至周五 8:30-17:30"
    policy_text = "帮办代办制度：首问负责、一次性告知、限时办结。"


class SiteMatterFactory(DjangoModelFactory):
    class Meta:
        model = SiteMatter
        django_get_or_create = ("site", "matter")

    site = factory.SubFactory(StationFactory)
    matter = factory.SubFactory(MatterFactory)


class GridFactory(DjangoModelFactory):
    class Meta:
        model = Grid
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"G{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}网格")
    site = factory.SubFactory(StationFactory)


class AgentFactory(DjangoModelFactory):
    """``AgentFactory(kind=..., sites=[site], scopes=[matter])``; ``with_user=True`` makes a login."""

    class Meta:
        model = Agent
        skip_postgeneration_save = True  # the hooks only set many-to-many relations

    class Params:
        with_user = True

    name = factory.Faker("name", locale="zh_CN")
    kind = Agent.Kind.GRID_WORKER
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    work_phone = "0531-88882222"
    is_published = True
    user = factory.Maybe("with_user", yes_declaration=factory.SubFactory(UserFactory), no_declaration=None)

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.sites.set(extracted)

    @factory.post_generation
    def grids(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.grids.set(extracted)

    @factory.post_generation
    def scopes(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.scopes.set(extracted)


class DutyShiftFactory(DjangoModelFactory):
    """One day of a station's rota; the agent is made to serve the site."""

    class Meta:
        model = DutyShift
        django_get_or_create = ("site", "date", "agent")

    site = factory.SubFactory(StationFactory)
    date = factory.LazyFunction(timezone.localdate)
    agent = factory.LazyAttribute(lambda o: AgentFactory(sites=[o.site]))
