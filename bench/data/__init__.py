"""Bulk benchmark data: N realistic, deterministic cases over the demo sites (``manage.py bench_data``).

All values come from one ``random.Random(seed)``: the same seed on the same demo district gives the same
rows (dates are relative to the start of today, local time).

- Intake over the last 3 years, ids ascending with time; a matter the site offers; an active agent of the
  site; a resident from a deterministic phone pool (about 30% of cases come from repeat residents).
- Status by age: cases of the last two weeks are mostly open; older ones mostly ``closed`` (about 1.5% stuck
  open, i.e. overdue), a few ``rejected``/``withdrawn``. ``completed`` and ``rectifying`` only while their
  feedback/rectification window still runs, so the sweeps have nothing to catch up on.
- A timeline of 3-8 ``CaseEvent`` rows following the status path (created, assigned, visited or materials,
  submitted, progress, completed, rating, closed); up to 11 with the bad-rating loop.
- Ratings on most closed cases (mostly 4-5). A 1-2 rating carries a call-back, a rectification report, the
  ``rectifying``/``rectified`` events and often a follow-up rating.
- ``due_at``: the matter's time limit in Chinese working days (``core.workdays``), computed once per
  (day, limit); ``feedback_due_at`` likewise.
- Speed: cases older than ``TEMPLATE_MIN_AGE_DAYS`` are instantiated from a pool of generated templates per
  (matter, status): same shape, own number, resident, site, agent and dates.

Bulk rows carry no Viewflow ``Process`` (``Case.process`` is null): ``workflows.services`` skips the engine
for such cases and no selector reads Viewflow tables. Cases made through the API get their process.

Writing: PostgreSQL uses ``COPY`` (psycopg 3); ids are assigned here and the sequences moved past them at the
end. A fresh load is one transaction with FK triggers off (superuser) or checked at once per ``COPY`` (an
ordinary database owner) and the plain secondary indexes rebuilt at the end (see ``bench_load``). Other
databases use ``bulk_create``.

Modules: ``shapes`` (tunables, row shapes, the sites), ``lifecycle`` (one case's full life), ``generate`` (the
generator: intake schedule, templates), ``write`` (COPY / bulk_create, indexes, sequences), ``load``
(``bench_load``).
"""

from bench.data.generate import Generator
from bench.data.load import LoadResult, bench_load, start_of_today
from bench.data.shapes import Generated, SiteInfo, load_sites

__all__ = ["Generated", "Generator", "LoadResult", "SiteInfo", "bench_load", "load_sites", "start_of_today"]
