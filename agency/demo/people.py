"""The demo district's people: deterministic names and mobiles, login accounts, agents, AB岗 pairs and
duty rotas."""

import datetime as dt
from typing import Any

from django.utils import timezone

from agency import services
from agency.models import Agent, DutyShift, Grid, Matter, Site
from core import workdays
from core.models import User

# --- People -----------------------------------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = [
    "秀英",
    "建国",
    "桂兰",
    "志强",
    "海燕",
    "立新",
    "玉梅",
    "德胜",
    "淑珍",
    "红霞",
    "永刚",
    "晓东",
    "丽娟",
    "国庆",
    "春梅",
    "明辉",
    "凤英",
    "卫东",
    "雪梅",
    "振华",
    "文静",
    "立军",
    "晓燕",
    "宏伟",
    "秀兰",
    "建华",
    "美玲",
    "俊杰",
    "玉珍",
    "长青",
    "慧敏",
    "新民",
    "爱华",
    "德明",
    "金凤",
    "少华",
]
MOBILE_PREFIXES = ["138", "139", "150", "151", "159", "186", "187", "137", "135", "178"]


def person_name(n: int) -> str:
    return SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 5) % len(GIVEN)]


def mobile(n: int) -> str:
    return f"+86{MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)]}5310{n:04d}"


def user_account(username: str, display_name: str, password: str, *, superuser: bool = False) -> User:
    # TODO(core.services): no user service exists; accounts are plain Django users.
    user = User.objects.filter(username=username).first() or User(username=username)
    user.display_name = display_name
    user.is_active = True
    user.is_staff = superuser
    user.is_superuser = superuser
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


class AgentMaker:
    """Creates agents with deterministic names and phones (the phone is the stable key)."""

    def __init__(self) -> None:
        self.n = 0

    def make(
        self,
        *,
        kind: str,
        title: str,
        sites: list[Site],
        scopes: list[Matter],
        grids: list[Grid] | None = None,
        published: bool = True,
        consent: bool = False,
        work_phone: str = "",
        user: User | None = None,
        name: str | None = None,
    ) -> Agent:
        self.n += 1
        phone = mobile(self.n)
        fields: dict[str, Any] = {
            "name": name or person_name(self.n),
            "kind": kind,
            "title": title,
            "work_phone": work_phone,
            "publish_mobile_consent": consent,
            "is_published": published,
            "is_active": True,
            "user": user,
        }
        agent = Agent.objects.filter(phone=phone).first()
        if agent is None:
            agent = services.agent_create(
                phone=phone, sites=sites, grids=grids or [], scopes=scopes, **fields
            )
        else:
            # Pass only the sets that differ, so a re-run writes (and audits) nothing when nothing changed.
            m2m: dict[str, Any] = {"sites": sites, "grids": grids or [], "scopes": scopes}
            for key, wanted in list(m2m.items()):
                if set(getattr(agent, key).values_list("pk", flat=True)) == {obj.pk for obj in wanted}:
                    del m2m[key]
            agent = services.agent_update(agent=agent, **m2m, **fields)
        return services.agent_set_away(agent=agent, away=False)


def backup_pair(a: Agent, b: Agent) -> None:
    """AB岗: each is the other's backup."""
    services.agent_set_backup(agent=a, backup=b)
    services.agent_set_backup(agent=b, backup=a)


def duty_rota(site: Site, agents: list[Agent], days: int = 14) -> None:
    """干部轮值 for the next ``days`` days (working days only); by date, so re-runs pick the same person.

    Days that already have a rota (perhaps changed by staff) are left alone.
    """
    today = timezone.localdate()
    for offset in range(days):
        day = today + dt.timedelta(days=offset)
        if not workdays.is_workday(day) or DutyShift.objects.filter(site=site, date=day).exists():
            continue
        services.duty_shift_set(
            site=site, date=day, agents=[agents[day.toordinal() % len(agents)]], note="值班"
        )
