"""The deterministic generator: intake times, status mix, and old cases instantiated from templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from bench.data.lifecycle import CaseLife
from bench.data.shapes import (
    _AGENT,
    _AGENT_NAME,
    _AGENT_USER,
    _STAFF,
    CHUNK,
    FEEDBACK_WINDOW_WORKDAYS,
    OLD_STATUS,
    RECENT_DAYS,
    RECENT_STATUS,
    TEMPLATES_PER_KEY,
    TZ_UTC,
    YEARS,
    Generated,
    SiteInfo,
    Template,
    _json,
)


class Generator(CaseLife):
    """Deterministic row generator (see ``bench.data``): ``chunks(size)`` yields ``Generated`` rows."""

    def _case(self, out: Generated, created: dt.datetime, status: str, site: SiteInfo) -> None:
        rng = self.rng
        matter = rng.choice(site.matters)
        agent = rng.choice(site.agents)
        resident = self._resident()
        grid = rng.choice(site.grids) if site.grids and rng.random() < 0.7 else None
        case_no = self.case_no(created)
        if created >= self.template_cut:
            self._one(out, created, status, site, matter, agent, resident, grid, case_no)
            return
        pool = self.templates.setdefault((matter[0], status), [])
        if len(pool) < TEMPLATES_PER_KEY:
            template = self._template(status, matter)
            pool.append(template)
        else:
            template = pool[rng.randrange(TEMPLATES_PER_KEY)]
        self._instantiate(out, template, created, site, matter, agent, resident, grid, case_no)

    def _template(self, status: str, matter: tuple[int, int, str, bool]) -> Template:
        """One old case generated in full with placeholder site/agent/ids, kept as offsets from intake."""
        saved_ids = self.ids
        self.ids = dict.fromkeys(saved_ids, 1)
        tmp = Generated()
        fake = SiteInfo(
            id=0, code="", name="", matters=[matter], agents=[_AGENT], grids=[], staff_user=_STAFF
        )
        self._one(tmp, self.base, status, fake, matter, _AGENT, 0, None, "")
        self.ids = saved_ids
        case = tmp.cases[0]

        def off(value: dt.datetime | None) -> dt.timedelta | None:
            return None if value is None else value - self.base

        return Template(
            case=case,
            updated=off(case[25]),
            completed=off(case[26]),
            closed=off(case[27]),
            events=[(off(e[2]), e[3], e[4], e[5], e[6], e[7], _json(e[8])) for e in tmp.events],
            ratings=[(r[0], r[9] - self.base, r) for r in tmp.ratings],
            callbacks=tmp.callbacks,
            rectifications=tmp.rectifications,
        )

    def _instantiate(
        self,
        out: Generated,
        tpl: Template,
        created: dt.datetime,
        site: SiteInfo,
        matter: tuple[int, int, str, bool],
        agent: tuple[int, int | None, str],
        resident: int,
        grid: int | None,
        case_no: str,
    ) -> None:
        case_id = self.next_id("case")
        agent_id, agent_user, agent_name = agent
        staff = site.staff_user
        tz = self.tz
        c = tpl.case
        completed = created + tpl.completed if tpl.completed is not None else None
        ref = f"ZW{created:%Y%m%d}{case_id % 100000:05d}" if c[17] else ""
        out.cases.append(
            (
                case_id,
                case_no,
                site.id,
                grid,
                c[4],
                self.resident_name(resident),
                self.phone(resident),
                "",
                self.resident_address(resident, site),
                c[9],
                c[10],
                c[11],
                c[12],
                c[13],
                self.due(created.astimezone(tz).date(), matter[1]),
                agent_id if c[15] is not None else None,
                c[16],
                ref,
                c[18],
                c[19],
                f"SF{case_id:010d}" if c[20] else "",
                c[21],
                staff,
                None,
                created,
                created + (tpl.updated or dt.timedelta()),
                completed,
                created + tpl.closed if tpl.closed is not None else None,
                self.due(completed.astimezone(tz).date(), FEEDBACK_WINDOW_WORKDAYS) if completed else None,
                None,  # visit_at
                None,  # bundle_parent_id
            )
        )
        rating_ids: dict[int, int] = {}
        for tid, at_off, r in tpl.ratings:
            rid = self.next_id("rating")
            rating_ids[tid] = rid
            at = created + at_off
            day = at.astimezone(tz).date()
            out.ratings.append(
                (
                    rid,
                    case_id,
                    site.id,
                    agent_id,
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    at,
                    self.due(day, 1) if r[10] else None,
                    self.due(day, 5) if r[11] else None,
                    None,
                    None,
                    False,
                    None,
                )
            )
        for cb in tpl.callbacks:
            out.callbacks.append(
                (
                    self.next_id("callback"),
                    rating_ids[cb[1]],
                    created + (cb[2] - self.base),
                    agent_user,
                    cb[4],
                    cb[5],
                )
            )
        for rc in tpl.rectifications:
            at = created + (rc[2] - self.base)
            out.rectifications.append(
                (self.next_id("rectification"), rating_ids[rc[1]], at, agent_user, rc[4], at)
            )
        next_event = self.next_id
        events = out.events
        for at_off, kind, note, user, name, public, data in tpl.events:
            if user == _AGENT_USER:
                user = agent_user
            elif user == _STAFF:
                user = staff
            if name == _AGENT_NAME:
                name = agent_name
            if kind == "assigned":
                note = note.replace(_AGENT_NAME, agent_name)
                data = f'{{"agent_id": {agent_id}}}'
            elif kind == "rectifying":
                data = f'{{"rating_id": {rating_ids.get(min(rating_ids), 0) if rating_ids else 0}}}'
            events.append(
                (next_event("event"), case_id, created + at_off, kind, note, user, name, public, data)
            )

    # --- generation --------------------------------------------------------------------------------------

    def created_times(self) -> list[dt.datetime]:
        """N intake times over the last ``YEARS`` years, office hours mostly, sorted (ids follow time)."""
        rng = self.rng
        span = YEARS * 365
        out = []
        for _ in range(self.n):
            # slightly more recent work than old (the programme grows)
            days_ago = int(span * (rng.random() ** 1.15))
            hour = rng.choice((8, 9, 9, 10, 10, 11, 14, 14, 15, 15, 16, 17, 19))
            minute = rng.randrange(60)
            second = rng.randrange(60)
            day = (self.anchor - dt.timedelta(days=days_ago + 1)).date()
            out.append(dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=self.tz))
        out.sort()
        return [t.astimezone(TZ_UTC) for t in out]

    def chunks(self, size: int = CHUNK) -> Iterator[Generated]:
        times = self.created_times()
        recent_cut = self.anchor - dt.timedelta(days=RECENT_DAYS)
        recent_st = list(RECENT_STATUS)
        recent_w = list(RECENT_STATUS.values())
        old_st = list(OLD_STATUS)
        old_w = list(OLD_STATUS.values())
        site_idx = list(range(len(self.sites)))
        for start in range(0, self.n, size):
            out = Generated()
            for created in times[start : start + size]:
                if created >= recent_cut:
                    status = self.rng.choices(recent_st, recent_w)[0]
                else:
                    status = self.rng.choices(old_st, old_w)[0]
                site = self.sites[self.rng.choices(site_idx, self.site_weights)[0]]
                self._case(out, created, status, site)
            yield out
