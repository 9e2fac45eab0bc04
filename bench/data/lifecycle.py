"""One generated case from intake to its final state: ids, residents, due dates and the full status path.

``CaseLife`` holds the generator's state (seeded ``random.Random``, next ids, caches) and writes one case in
full (``_one``: the case row, its timeline, ratings, call-backs and rectifications); ``bench.data.generate``
adds the intake schedule and the per-(matter, status) templates that make old cases cheap.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from agency.models import Site
from bench.data.shapes import (
    CHANNEL_WEIGHTS,
    CHANNELS,
    DELIVERY,
    DELIVERY_WEIGHTS,
    DEPARTMENTS,
    FEEDBACK_WINDOW_WORKDAYS,
    GIVEN,
    MATERIALS,
    MOBILE_PREFIXES,
    NOTES,
    RATING_VALUES,
    RATING_WEIGHTS,
    ROADS,
    SPECIAL,
    SPECIAL_GROUP_PRIORITY,
    SURNAMES,
    TEMPLATE_MIN_AGE_DAYS,
    TZ_UTC,
    Generated,
    SiteInfo,
    Template,
)
from core.workdays import add_working_days, local_tz
from residents.models import BAD_RATING_MAX
from workflows.case_numbers import ALPHABET, PREFIX, RANDOM_LENGTH, check_char


class CaseLife:
    """The generator's state and the life of one case (see ``bench.data`` for the shape of the data)."""

    def __init__(
        self, *, n: int, seed: int, sites: list[SiteInfo], anchor: dt.datetime, first_ids: dict[str, int]
    ):
        self.n = n
        self.seed = seed
        self.rng = random.Random(seed)
        self.sites = sites
        # stations get most of the work; centers (town windows) some
        self.site_weights = [3 if s.kind == Site.Kind.STATION else 2 for s in sites]
        self.anchor = anchor  # start of today, local time (aware)
        self.now = anchor
        self.ids = dict(first_ids)
        self.used_case_nos: set[str] = set()
        self._due_cache: dict[tuple[dt.date, int], dt.datetime] = {}
        self.n_single = max(1, n)
        self.n_repeat = max(1, n // 20)
        # phone i ↦ prefix i mod P, body (a·i + b) mod 10⁸ with gcd(a, 10⁸) = 1: unique for i < P·10⁸
        self._phone_a = 7_919 * 3  # odd and not a multiple of 5
        self._phone_b = (seed * 104_729) % 100_000_000
        self.tz = local_tz()
        # cases older than this are instantiated from per-(matter, status) templates (see ``_case``)
        self.template_cut = anchor - dt.timedelta(days=TEMPLATE_MIN_AGE_DAYS)
        self.templates: dict[tuple[int, str], list[Template]] = {}
        self.base = (anchor - dt.timedelta(days=400)).replace(hour=9)  # templates' intake time

    # --- helpers -----------------------------------------------------------------------------------------

    def phone(self, resident: int) -> str:
        prefix = MOBILE_PREFIXES[resident % len(MOBILE_PREFIXES)]
        body = (self._phone_a * resident + self._phone_b) % 100_000_000
        return f"+86{prefix}{body:08d}"

    @staticmethod
    def resident_name(resident: int) -> str:
        s = SURNAMES[resident % len(SURNAMES)]
        g1 = GIVEN[(resident // len(SURNAMES)) % len(GIVEN)]
        g2 = GIVEN[(resident // 7) % len(GIVEN)]
        return s + g1 + (g2 if resident % 3 else "")

    @staticmethod
    def resident_address(resident: int, site: SiteInfo) -> str:
        road = ROADS[resident % len(ROADS)]
        return (
            f"{site.name.replace('便民服务站', '').replace('便民服务中心', '')}{road}{resident % 300 + 1}号"
        )

    def due(self, day: dt.date, limit: int) -> dt.datetime:
        """``add_working_days`` once per (local day, limit): it depends only on the day."""
        key = (day, limit)
        value = self._due_cache.get(key)
        if value is None:
            noon = dt.datetime.combine(day, dt.time(12), tzinfo=self.tz)
            value = add_working_days(noon, limit).astimezone(TZ_UTC)
            self._due_cache[key] = value
        return value

    def case_no(self, created: dt.datetime) -> str:
        """A valid, unused number for the intake month: the shape of ``workflows.case_numbers`` with its own
        ``check_char`` (the source of truth), random part from the seeded generator."""
        local = created.astimezone(self.tz)
        yymm = f"{local.year % 100:02d}{local.month:02d}"
        while True:
            rand = "".join(self.rng.choices(ALPHABET, k=RANDOM_LENGTH))
            number = f"{PREFIX}{yymm}-{rand}{check_char(yymm + rand)}"
            if number not in self.used_case_nos:
                self.used_case_nos.add(number)
                return number

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _resident(self) -> int:
        if self.rng.random() < 0.3:
            return self.rng.randrange(self.n_repeat)  # repeat residents: about 6 cases each
        return self.n_repeat + self.rng.randrange(self.n_single)

    def _one(
        self,
        out: Generated,
        created: dt.datetime,
        status: str,
        site: SiteInfo,
        matter: tuple[int, int, str, bool],
        agent: tuple[int, int | None, str],
        resident: int,
        grid: int | None,
        case_no: str,
    ) -> None:
        rng = self.rng
        now = self.now
        case_id = self.next_id("case")
        matter_id, limit, matter_name, consultation = matter
        agent_id, agent_user, agent_name = agent
        groups: list[str] = []
        if rng.random() < 0.15:
            groups = sorted(rng.sample(SPECIAL, rng.choice((1, 1, 2))))
        channel = "doorstep" if groups else rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        local_day = created.astimezone(self.tz).date()
        due_at = self.due(local_day, limit)
        staff_user = site.staff_user
        events: list[tuple[dt.datetime, str, str, int | None, str, bool, dict[str, Any]]] = []

        # a clock that moves forward through the case's life, never past "now"
        end = now - dt.timedelta(minutes=5)
        if status in ("closed", "rejected", "withdrawn"):
            life = dt.timedelta(days=rng.uniform(2, max(3, limit * 1.6)), minutes=rng.randrange(600))
            end = min(end, created + life)
        elif status not in ("completed", "rectifying"):
            # still open: nothing has happened for a while (stuck cases are the overdue ones)
            end = min(end, created + dt.timedelta(days=max(1, limit) * 1.5))
        span = max((end - created).total_seconds(), 60.0)
        t = [created]

        def step(frac: float) -> dt.datetime:
            nxt = max(
                t[0] + dt.timedelta(seconds=1),
                t[0] + dt.timedelta(seconds=span * frac * rng.uniform(0.5, 1.0)),
            )
            nxt = min(nxt, end)
            if nxt <= t[0]:
                nxt = t[0] + dt.timedelta(seconds=1)
            t[0] = nxt
            return nxt

        def ev(
            kind: str,
            note: str,
            *,
            user: int | None = agent_user,
            name: str = agent_name,
            public: bool = True,
            data: dict[str, Any] | None = None,
            frac: float = 0.12,
        ) -> dt.datetime:
            at = step(frac)
            events.append((at, kind, note, user, name, public, data or {}))
            return at

        events.append(
            (
                created,
                "created",
                f"已受理：{matter_name}",
                staff_user,
                "站点工作人员",
                True,
                {"channel": channel, "special_groups": groups},
            )
        )
        assigned = status not in ("new",) and not (status in ("rejected", "withdrawn") and rng.random() < 0.4)
        fields: dict[str, Any] = {
            "department": "",
            "reference_no": "",
            "result": "",
            "delivery_method": "",
            "tracking_no": "",
            "materials_missing": [],
            "completed_at": None,
            "closed_at": None,
            "feedback_due_at": None,
        }
        path_done = status in ("completed", "rectifying", "closed")
        if assigned:
            ev("assigned", f"已分派帮办员：{agent_name}", data={"agent_id": agent_id})
        if (
            status == "awaiting_materials"
            or (path_done and rng.random() < 0.25)
            or (status in ("visited", "submitted") and rng.random() < 0.2)
        ):
            missing = rng.sample(MATERIALS, rng.choice((1, 2)))
            ev(
                "materials_requested",
                "一次性告知需补充材料：" + "；".join(missing),
                data={"materials_missing": missing},
            )
            if status == "awaiting_materials":
                fields["materials_missing"] = missing
        if status in ("visited", "submitted") or path_done:
            ev("visited", "已上门，材料齐全")
        if (status == "submitted" or path_done) and not consultation:
            dept = rng.choice(DEPARTMENTS)
            ref = f"ZW{created:%Y%m%d}{case_id % 100000:05d}"
            fields["department"], fields["reference_no"] = dept, ref
            ev(
                "submitted",
                f"已代为报送{dept}（受理号 {ref}）",
                data={"department": dept, "reference_no": ref},
            )
        if status in ("rejected", "withdrawn"):
            kind = status
            note = "不符合办理条件，已告知群众可咨询窗口" if kind == "rejected" else "群众申请撤回"
            fields["closed_at"] = ev(kind, note, user=staff_user, frac=0.5)
        rating_rows: list[tuple[Any, ...]] = []
        if path_done:
            if status in ("completed", "rectifying"):
                # recent completion: the feedback window (5 working days) is still running
                back = dt.timedelta(hours=rng.uniform(1, 40))
                completed_at = max(now - back, t[0] + dt.timedelta(seconds=1))
            else:
                completed_at = step(0.6)
            t[0] = completed_at
            delivery = rng.choices(DELIVERY, DELIVERY_WEIGHTS)[0]
            result = "已办理完成，结果已送达" if not consultation else "已就政策问题答复群众"
            fields.update(
                result=result,
                delivery_method=delivery if not consultation else "door",
                tracking_no=f"SF{case_id:010d}" if delivery == "mail" and not consultation else "",
                completed_at=completed_at,
                feedback_due_at=self.due(completed_at.astimezone(self.tz).date(), FEEDBACK_WINDOW_WORKDAYS),
            )
            events.append(
                (
                    completed_at,
                    "answered" if consultation else "completed",
                    f"已办结：{result}",
                    agent_user,
                    agent_name,
                    True,
                    {"delivery_method": fields["delivery_method"]},
                )
            )
            self._ratings(
                out,
                events,
                fields,
                status,
                case_id,
                site,
                agent_id,
                agent_user,
                agent_name,
                completed_at,
                rating_rows,
            )
        # pad to at least 3 (at most 8, more only with the bad-rating loop) with notes and progress updates,
        # placed before the case's last state change so the status path stays in order
        target = rng.randint(3, 8)
        limit_at = fields["completed_at"] or fields["closed_at"] or end
        submitted_at = next((e[0] for e in events if e[1] == "submitted"), None)
        while len(events) < target:
            lo = events[0][0]
            at = lo + dt.timedelta(seconds=rng.uniform(1, max(2.0, (limit_at - lo).total_seconds() - 1)))
            if assigned and rng.random() < 0.6:
                kind = "progress" if submitted_at is not None and at > submitted_at else "note"
                events.append((at, kind, rng.choice(NOTES), agent_user, agent_name, True, {}))
            else:
                events.append((at, "note", rng.choice(NOTES), staff_user, "站点工作人员", False, {}))
        events.sort(key=lambda e: e[0])
        if status == "closed" and fields["closed_at"] is None:
            fields["closed_at"] = events[-1][0]
        updated_at = events[-1][0]
        out.cases.append(
            (
                case_id,
                case_no,
                site.id,
                grid,
                matter_id,
                self.resident_name(resident),
                self.phone(resident),
                "",
                self.resident_address(resident, site),
                f"群众申请办理{matter_name}",
                channel,
                groups,
                (SPECIAL_GROUP_PRIORITY + len(groups)) if groups else 0,
                status,
                due_at,
                agent_id if assigned else None,
                fields["department"],
                fields["reference_no"],
                fields["result"],
                fields["delivery_method"],
                fields["tracking_no"],
                fields["materials_missing"],
                staff_user,
                None,
                created,
                updated_at,
                fields["completed_at"],
                fields["closed_at"],
                fields["feedback_due_at"],
                None,  # visit_at: bulk cases carry no agreed visit time
                None,  # bundle_parent_id: bulk cases are single matters
            )
        )
        for at, kind, note, user, name, public, data in events:
            out.events.append((self.next_id("event"), case_id, at, kind, note, user, name, public, data))

    def _ratings(
        self,
        out: Generated,
        events: list[Any],
        fields: dict[str, Any],
        status: str,
        case_id: int,
        site: SiteInfo,
        agent_id: int,
        agent_user: int | None,
        agent_name: str,
        completed_at: dt.datetime,
        rating_rows: list[Any],
    ) -> None:
        rng = self.rng
        now = self.now
        if status == "completed":
            if rng.random() < 0.3:
                at = min(
                    now - dt.timedelta(minutes=1), completed_at + dt.timedelta(hours=rng.uniform(0.5, 20))
                )
                value = rng.choice((4, 5, 5))
                self._rating(out, case_id, site, agent_id, value, at, followup=False)
                events.append((at, "rating", f"群众评价：{value}星", None, "群众", True, {"value": value}))
            return
        if status == "rectifying":
            at = min(now - dt.timedelta(minutes=2), completed_at + dt.timedelta(hours=rng.uniform(0.2, 10)))
            value = rng.choice((1, 2))
            rid = self._rating(out, case_id, site, agent_id, value, at, followup=False, bad=True)
            events.append((at, "rating", f"群众评价：{value}星", None, "群众", True, {"value": value}))
            events.append(
                (
                    at + dt.timedelta(seconds=1),
                    "rectifying",
                    "收到差评，进入整改",
                    None,
                    "系统",
                    True,
                    {"rating_id": rid},
                )
            )
            return
        # closed: rated (70%) or closed when the feedback window ended
        latest = now - dt.timedelta(minutes=10)
        if fields["feedback_due_at"] < latest and rng.random() < 0.3:
            closed = fields["feedback_due_at"] + dt.timedelta(minutes=rng.randrange(1, 600))
            closed = min(closed, now - dt.timedelta(minutes=1))
            fields["closed_at"] = closed
            events.append((closed, "closed", "评价期满，系统自动关闭", None, "系统", True, {}))
            return
        at = min(completed_at + dt.timedelta(hours=rng.uniform(0.5, 60)), latest)
        value = rng.choices(RATING_VALUES, RATING_WEIGHTS)[0]
        if at + dt.timedelta(days=8) > latest:
            value = max(
                value, 3
            )  # the bad-rating loop (call-back, rectification) takes days: older cases only
        bad = value <= BAD_RATING_MAX
        rid = self._rating(out, case_id, site, agent_id, value, at, followup=False, bad=bad)
        events.append((at, "rating", f"群众评价：{value}星", None, "群众", True, {"value": value}))
        last = at
        if bad:
            events.append(
                (
                    at + dt.timedelta(seconds=1),
                    "rectifying",
                    "收到差评，进入整改",
                    None,
                    "系统",
                    True,
                    {"rating_id": rid},
                )
            )
            cb_at = at + dt.timedelta(hours=rng.uniform(2, 20))
            out.callbacks.append(
                (self.next_id("callback"), rid, cb_at, agent_user, True, "已电话回访群众，了解不满意原因")
            )
            rect_at = cb_at + dt.timedelta(hours=rng.uniform(4, 60))
            out.rectifications.append(
                (
                    self.next_id("rectification"),
                    rid,
                    rect_at,
                    agent_user,
                    "已加强业务培训，重新为群众办理",
                    rect_at,
                )
            )
            events.append((rect_at, "rectified", "已整改并告知群众", agent_user, agent_name, True, {}))
            last = rect_at
            if rng.random() < 0.6:
                f_at = rect_at + dt.timedelta(hours=rng.uniform(1, 48))
                f_value = rng.choice((3, 4, 5, 5))
                self._rating(out, case_id, site, agent_id, f_value, f_at, followup=True)
                events.append(
                    (f_at, "rating", f"群众追评：{f_value}星", None, "群众", True, {"value": f_value})
                )
                last = f_at
        closed = min(last + dt.timedelta(hours=rng.uniform(1, 30)), now - dt.timedelta(minutes=1))
        closed = max(closed, last + dt.timedelta(seconds=1))
        fields["closed_at"] = closed
        events.append((closed, "closed", "案件已关闭", agent_user, agent_name, True, {}))
        events.sort(key=lambda e: e[0])

    def _rating(
        self,
        out: Generated,
        case_id: int,
        site: SiteInfo,
        agent_id: int,
        value: int,
        at: dt.datetime,
        *,
        followup: bool,
        bad: bool = False,
    ) -> int:
        rid = self.next_id("rating")
        callback_due = self.due(at.astimezone(self.tz).date(), 1) if bad else None
        rectify_due = self.due(at.astimezone(self.tz).date(), 5) if bad else None
        out.ratings.append(
            (
                rid,
                case_id,
                site.id,
                agent_id,
                value,
                "" if value >= 4 else "希望办事再快一些",
                {},
                followup,
                self.rng.choice(("track", "sms_link", "sms_link")),
                at,
                callback_due,
                rectify_due,
                None,
                None,
                False,
                None,
            )
        )
        return rid
