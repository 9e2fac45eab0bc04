"""Permission matrix generated from the URL conf (issue 8): every route × every role → the expected status.

``MATRIX`` has one entry per route name. A route in the URL conf without an entry fails
``test_every_route_has_a_matrix_entry`` — whoever adds a route must decide who may reach it.

Each entry: the HTTP method and URL built from the fixture world, an optional body, and the expected status per
role (``ROLES`` order: anonymous, resident, volunteer, grid, staff, staff2, town, admin). Conventions:

* case-scoped routes answer 404 to anyone whose scope does not contain the case (``staff2``, the other town's
  station staff) — never 403, which would leak that the case exists;
* API routes answer 401 without credentials (the resident's Bearer token is not a staff credential);
* staff pages redirect (302) to the login page when anonymous;
* POST routes are called with an empty/invalid body, so an allowed caller gets 400 (validation) and a refused one
  401/403/404 — no state changes, so one world serves every row.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bundles.tests.factories import BundleWorld, add_birth_bundle
from bundles.tests.factories import child as bundle_child
from bundles.tests.factories import intake as bundle_intake
from notifications.models import Notification
from oversight.open311_ids import public_request_id
from tests.security.conftest import ROLES, SecWorld
from tests.security.routes import all_routes
from uploads.tests.factories import MaterialPhotoFactory
from workflows.feedback_links import feedback_link_token


@dataclass
class Entry:
    url: Callable[[SecWorld], str]
    expect: tuple[int, ...]  # one status per role, in ROLES order
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    api: bool = False  # use the DRF client (Token / Bearer) instead of a session


def _case(sw: SecWorld) -> str:
    return sw.case.case_no


def _note_id(sw: SecWorld) -> int:
    # a notification addressed to ``staff`` (the new-case alert): everyone else must get 404
    row = (
        Notification.objects.filter(recipient_user=sw.users["staff"], channel="inapp").order_by("id").first()
    )
    if row is None:
        row = Notification.objects.create(
            dedupe_key="sec-matrix-inapp",
            channel="inapp",
            audience="staff",
            recipient_user=sw.users["staff"],
            template="test",
            text="测试",
            send_after=timezone.now(),
        )
    return row.pk


def _photo_id(sw: SecWorld) -> int:
    # a material photo of the world's case: only those whose scope covers the case may fetch its bytes
    photo = sw.case.material_photos.first() or MaterialPhotoFactory(case=sw.case)
    return photo.pk


def _bundle_world(sw: SecWorld) -> BundleWorld:
    # 出生一件事 offered at the world's station (staff's, in town's center; not staff2's) and one intake of it,
    # made once per world, when the first bundle row builds its URL (the rows before it see the world unchanged)
    bw = getattr(sw, "bundle_world", None)
    if bw is None:
        bw = add_birth_bundle(sw.world)
        sw.bundle_parent = bundle_intake(bw)  # type: ignore[attr-defined]
        sw.bundle_world = bw  # type: ignore[attr-defined]
    return bw


def _bundle_code(sw: SecWorld) -> str:
    return _bundle_world(sw).bundle.code


def _bundle_parent(sw: SecWorld) -> str:
    _bundle_world(sw)
    return sw.bundle_parent.case_no  # type: ignore[attr-defined,no-any-return]


def _bundle_member(sw: SecWorld) -> str:
    # the started member (户口登记: no dependency), `new` with no agent yet, like the world's case
    bw = _bundle_world(sw)
    return bundle_child(sw.bundle_parent, bw.hukou).case_no  # type: ignore[attr-defined]


def R(name: str, *args: Any) -> Callable[[SecWorld], str]:
    def build(sw: SecWorld) -> str:
        return reverse(name, args=[a(sw) if callable(a) else a for a in args])

    return build


def Q(path: str) -> Callable[[SecWorld], str]:
    return lambda sw: path


#      anonymous resident volunteer grid staff staff2 town admin
PUBLIC = (200,) * 8
API_STAFF_ONLY_200 = (401, 401, 200, 200, 200, 200, 200, 200)

MATRIX: dict[str, Entry] = {
    # --- core -------------------------------------------------------------------------------------------
    "healthz": Entry(Q("/healthz"), PUBLIC),
    "font-toggle": Entry(Q("/prefs/font/"), (302,) * 8, method="post"),
    "login": Entry(Q("/accounts/login/"), PUBLIC),
    "logout": Entry(Q("/accounts/logout/"), (302,) * 8, method="post"),
    "schema": Entry(Q("/api/schema/"), PUBLIC),
    "api-token": Entry(Q("/api/v1/auth/token/"), (400,) * 8, method="post", api=True),
    # --- agency API (public) and me ---------------------------------------------------------------------
    "api-site-list": Entry(Q("/api/v1/sites/"), PUBLIC, api=True),
    "api-site-detail": Entry(R("api-site-detail", lambda sw: sw.world.station.code), PUBLIC, api=True),
    "api-site-roster": Entry(R("api-site-roster", lambda sw: sw.world.station.code), PUBLIC, api=True),
    "api-matter-list": Entry(Q("/api/v1/matters/"), PUBLIC, api=True),
    "api-me": Entry(Q("/api/v1/me/"), API_STAFF_ONLY_200, api=True),
    # --- resident API -----------------------------------------------------------------------------------
    # issue 27: provider receipt pushes; without the configured token everyone (any role) gets 403
    "sms-receipts-aliyun": Entry(Q("/sms/receipts/aliyun/not-the-token/"), (403,) * 8, method="post"),
    "sms-receipts-tencent": Entry(Q("/sms/receipts/tencent/not-the-token/"), (403,) * 8, method="post"),
    "track-otp": Entry(Q("/api/v1/track/otp/"), (400,) * 8, method="post", api=True),
    "track-verify": Entry(Q("/api/v1/track/verify/"), (400,) * 8, method="post", api=True),
    "track-cases": Entry(Q("/api/v1/track/cases/"), (401, 200, 401, 401, 401, 401, 401, 401), api=True),
    "track-feedback": Entry(
        R("track-feedback", _case), (401, 400, 401, 401, 401, 401, 401, 401), method="post", api=True
    ),
    "track-doorstep": Entry(
        Q("/api/v1/track/doorstep/"), (401, 201, 401, 401, 401, 401, 401, 401), method="post", api=True
    ),
    "track-logout": Entry(
        Q("/api/v1/track/logout/"), (401, 204, 401, 401, 401, 401, 401, 401), method="post", api=True
    ),
    # no or wrong case number / tail: 404 alike (no existence leak)
    "track-lookup": Entry(Q("/api/v1/track/lookup/"), (404,) * 8, api=True),
    "track-appointment-lookup": Entry(Q("/api/v1/track/appointments/"), (404,) * 8, api=True),
    # --- ratings and doorstep requests (staff oversight) ------------------------------------------------
    "rating-list": Entry(Q("/api/v1/ratings/"), (401, 401, 200, 200, 200, 200, 200, 200), api=True),
    "rating-callback": Entry(
        R("rating-callback", 999_999),
        (401, 401, 404, 404, 404, 404, 404, 404),
        method="post",
        api=True,
        data={"note": "回访"},
    ),
    "rating-rectify": Entry(
        R("rating-rectify", 999_999),
        (401, 401, 404, 404, 404, 404, 404, 404),
        method="post",
        api=True,
        data={"report": "整改"},
    ),
    "rating-appeal": Entry(
        R("rating-appeal", 999_999),
        (401, 401, 404, 404, 404, 404, 404, 404),
        method="post",
        api=True,
        data={"reason": "申诉"},
    ),
    "rating-appeal-decide": Entry(
        R("rating-appeal-decide", 999_999),
        (401, 401, 404, 404, 404, 404, 404, 404),
        method="post",
        api=True,
        data={"accept": True},
    ),
    "doorstep-request-list": Entry(
        Q("/api/v1/doorstep-requests/"), (401, 401, 200, 200, 200, 200, 200, 200), api=True
    ),
    "doorstep-request-handled": Entry(
        R("doorstep-request-handled", 999_999),
        (401, 401, 404, 404, 404, 404, 404, 404),
        method="post",
        api=True,
    ),
    # --- case API: scope decides (staff2 is in another town: 404) ---------------------------------------
    "api-case-list": Entry(Q("/api/v1/cases/"), API_STAFF_ONLY_200, api=True),
    "api-case-detail": Entry(R("api-case-detail", _case), (401, 401, 200, 200, 200, 404, 200, 200), api=True),
    # Role and status are checked before the body (empty here): a role that may not act hears 403, a status
    # that does not allow the action 409, and only a caller who may act gets to a 400 field error.
    # The case is `new` with no agent yet; roles: anon, resident, volunteer, grid, staff, staff2, town, admin.
    **{
        f"api-case-{action}": Entry(
            R(f"api-case-{action}", _case), (401, 401, 403, 403, 400, 404, 400, 400), method="post", api=True
        )
        for action in ("assign", "reject", "withdraw", "transfer")  # station staff and above
    },
    **{
        f"api-case-{action}": Entry(
            R(f"api-case-{action}", _case), (401, 401, 403, 403, 403, 404, 403, 403), method="post", api=True
        )
        for action in (
            "visit",
            "submit",
            "progress",
            "complete",
            "answer",
        )  # only the assigned agent (none yet)
    },
    "api-case-rectify": Entry(  # staff may, but only on a rectifying case
        R("api-case-rectify", _case), (401, 401, 403, 403, 409, 404, 409, 409), method="post", api=True
    ),
    "api-case-close": Entry(
        R("api-case-close", _case), (401, 401, 403, 403, 409, 404, 409, 409), method="post", api=True
    ),
    "api-case-schedule_visit": Entry(  # the station's own staff or the assigned agent, once assigned
        R("api-case-schedule_visit", _case), (401, 401, 403, 403, 409, 404, 403, 403), method="post", api=True
    ),
    "api-stats": Entry(Q("/api/v1/stats/"), (401, 401, 403, 403, 200, 200, 200, 200), api=True),
    "api-notifications": Entry(Q("/api/v1/notifications/"), API_STAFF_ONLY_200, api=True),
    "api-notifications-unread": Entry(Q("/api/v1/notifications/unread-count/"), API_STAFF_ONLY_200, api=True),
    "api-notifications-read-all": Entry(
        Q("/api/v1/notifications/read-all/"), API_STAFF_ONLY_200, method="post", api=True
    ),
    "api-notification-read": Entry(
        R("api-notification-read", _note_id),
        (401, 401, 404, 404, 200, 404, 404, 404),
        method="post",
        api=True,
    ),
    # --- public pages -----------------------------------------------------------------------------------
    "home": Entry(Q("/"), PUBLIC),  # the front page
    "site-roster": Entry(R("site-roster", lambda sw: sw.world.station.code), PUBLIC),
    "site-screen": Entry(R("site-screen", lambda sw: sw.world.station.code), PUBLIC),
    "site-screen-data": Entry(R("site-screen-data", lambda sw: sw.world.station.code), PUBLIC),
    "service-map": Entry(Q("/map/"), PUBLIC),
    # grid workers and volunteers have no standards role at all: the shared 403 page (no site is looked up)
    "standards-report": Entry(Q("/standards/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "standards-site": Entry(
        R("standards-site", lambda sw: sw.world.station.code), (302, 302, 403, 403, 200, 404, 200, 200)
    ),
    "standards-export": Entry(Q("/standards/export.xlsx"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "standards-review": Entry(
        R("standards-review", lambda sw: sw.world.station.code),
        (302, 302, 403, 403, 403, 404, 400, 400),
        method="post",
    ),
    "standards-evidence": Entry(R("standards-evidence", 999999), (302, 302, 403, 403, 404, 404, 404, 404)),
    "open311-services": Entry(Q("/open311/v2/services.json"), PUBLIC),
    "open311-service": Entry(lambda sw: f"/open311/v2/services/{sw.world.matter.code}.xml", PUBLIC),
    "open311-requests": Entry(Q("/open311/v2/requests.json"), PUBLIC),
    "open311-request": Entry(  # the public id is opaque (issue 33), not the case number
        lambda sw: f"/open311/v2/requests/{public_request_id(sw.case.pk)}.json", PUBLIC
    ),
    "appointment-new": Entry(Q("/appointments/"), (302,) * 8),  # issue 33: sign in by SMS code first
    "appointment-check": Entry(Q("/appointments/check/"), PUBLIC),
    "track": Entry(Q("/track/"), PUBLIC),
    "track-otp-form": Entry(Q("/track/otp/"), (400,) * 8, method="post"),
    "track-code": Entry(Q("/track/code/"), (302,) * 8, method="post"),
    "track-logout-form": Entry(Q("/track/logout/"), (302,) * 8, method="post"),
    "track-lookup-form": Entry(Q("/track/lookup/"), (404,) * 8),
    "track-doorstep-form": Entry(Q("/track/doorstep/"), (302,) * 8),  # needs a verified session
    "track-feedback-form": Entry(R("track-feedback-form", _case), (302,) * 8, method="post"),
    "rate-link": Entry(R("rate-link", lambda sw: feedback_link_token(case=sw.case)), PUBLIC),
    "kiosk-rate": Entry(R("kiosk-rate", lambda sw: sw.world.station.code), PUBLIC),
    # issue 33: the rotating 现场评价码 and enrolling the tablet are for the station's own staff
    "kiosk-code": Entry(
        R("kiosk-code", lambda sw: sw.world.station.code), (302, 302, 403, 403, 200, 404, 200, 200)
    ),
    "kiosk-enroll": Entry(
        R("kiosk-enroll", lambda sw: sw.world.station.code),
        (302, 302, 403, 403, 302, 404, 302, 302),
        method="post",
    ),
    # --- oversight pages ----------------------------------------------------------------------------------
    "dashboard": Entry(Q("/dashboard/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "cockpit": Entry(Q("/cockpit/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "cockpit-wall": Entry(Q("/cockpit/wall/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "cockpit-data": Entry(Q("/cockpit/data/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "dashboard-export": Entry(Q("/dashboard/export/"), (302, 302, 405, 405, 405, 405, 405, 405)),
    "dashboard-export-job": Entry(
        R("dashboard-export-job", 999_999), (302, 302, 404, 404, 404, 404, 404, 404)
    ),
    "dashboard-export-download": Entry(
        R("dashboard-export-download", 999_999), (302, 302, 404, 404, 404, 404, 404, 404)
    ),
    "appointment-list": Entry(Q("/dashboard/appointments/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "appointment-decide": Entry(
        R("appointment-decide", 999_999),
        (302, 302, 403, 403, 404, 404, 404, 404),
        method="post",
        data={"reason": "测试"},
    ),
    # --- grid-worker pages (/m/) and staff pages (/staff/) ------------------------------------------------
    "workflows:m-home": Entry(Q("/m/"), (302, 302, 200, 200, 200, 200, 200, 200)),
    "workflows:m-new": Entry(Q("/m/new/"), (302, 302, 200, 200, 200, 200, 200, 200)),
    "workflows:m-new-matter": Entry(
        R("workflows:m-new-matter", "certificate"), (302, 302, 200, 200, 200, 200, 200, 200)
    ),
    "workflows:m-new-form": Entry(
        R("workflows:m-new-form", lambda sw: sw.world.matter.code), (302, 302, 200, 200, 200, 200, 200, 200)
    ),
    "workflows:m-prefill": Entry(
        Q("/m/prefill/?phone=13800138000"), (302, 302, 200, 200, 200, 200, 200, 200)
    ),
    "workflows:m-case": Entry(R("workflows:m-case", _case), (302, 302, 200, 200, 200, 404, 200, 200)),
    "workflows:m-case-action": Entry(
        R("workflows:m-case-action", _case, "assign"), (302, 302, 403, 403, 400, 404, 400, 400), method="post"
    ),
    "workflows:staff-queue": Entry(Q("/staff/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "workflows:staff-cases": Entry(Q("/staff/cases/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    # issue 32: bulk 分派/转办 (nothing chosen: back to the list with a message)
    "workflows:staff-cases-bulk": Entry(
        Q("/staff/cases/bulk/"), (302, 302, 403, 403, 302, 302, 302, 302), method="post"
    ),
    "workflows:staff-case": Entry(R("workflows:staff-case", _case), (302, 302, 403, 403, 200, 404, 200, 200)),
    "workflows:staff-case-action": Entry(
        R("workflows:staff-case-action", _case, "assign"),
        (302, 302, 403, 403, 400, 404, 400, 400),
        method="post",
    ),
    "workflows:staff-away": Entry(Q("/staff/away/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "workflows:staff-away-reroute": Entry(
        R("workflows:staff-away-reroute", 999_999), (302, 302, 403, 403, 404, 404, 404, 404), method="post"
    ),
    "staff_ratings:list": Entry(Q("/staff/ratings/"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "staff_ratings:detail": Entry(
        R("staff_ratings:detail", 999_999), (302, 302, 403, 403, 404, 404, 404, 404)
    ),
    "staff_ratings:step": Entry(
        R("staff_ratings:step", 999_999, "callback"), (302, 302, 403, 403, 404, 404, 404, 404), method="post"
    ),
    # --- in-app notifications -------------------------------------------------------------------------------
    "notifications": Entry(Q("/notifications/"), (302, 302, 200, 200, 200, 200, 200, 200)),
    "notifications-read-all": Entry(
        Q("/notifications/read-all/"), (302, 302, 302, 302, 302, 302, 302, 302), method="post"
    ),
    "notification-read": Entry(
        R("notification-read", _note_id), (302, 302, 404, 404, 302, 404, 404, 404), method="post"
    ),
    # --- offline shell and material photos (issue 14) ---------------------------------------------------
    "m_offline:sw": Entry(Q("/m/sw.js"), PUBLIC),
    "m_offline:manifest": Entry(Q("/m/manifest.webmanifest"), PUBLIC),
    "m_offline:page": Entry(Q("/m/offline/"), (302, 302, 200, 200, 200, 200, 200, 200)),
    "m_offline:data": Entry(Q("/m/offline/data.json"), (302, 302, 200, 200, 200, 200, 200, 200)),
    "uploads:m-materials": Entry(R("uploads:m-materials", _case), (302, 302, 200, 200, 200, 404, 200, 200)),
    "uploads:photo-file": Entry(
        R("uploads:photo-file", lambda sw: _photo_id(sw)), (401, 401, 200, 200, 200, 404, 200, 200), api=True
    ),
    "api-case-photos": Entry(R("api-case-photos", _case), (401, 401, 200, 200, 200, 404, 200, 200), api=True),
    # --- 一件事 bundles and 通办 hand-offs (issue 15) --------------------------------------------------
    # A real 出生一件事 (offered at staff's station only), its parent case and its started member. Like the case
    # actions, scope and role come before the body: volunteer and grid hear 403, staff get to the 400.
    # guides: public pages and PDFs (the matrix's station offers no matter: the poster answers 404 alike; the
    # poster of an offered matter is tested in guides/tests)
    # OIDC (mozilla-django-oidc's views behind sso): with no identity provider configured, nothing to start
    # (404), a callback without state is refused (400), logout is POST only (405 for these GETs)
    "oidc_authentication_init": Entry(Q("/oidc/authenticate/"), (404,) * 8),
    "oidc_authentication_callback": Entry(Q("/oidc/callback/"), (400,) * 8),
    "oidc_logout": Entry(Q("/oidc/logout/"), (405,) * 8),
    "guides:index": Entry(Q("/guides/"), PUBLIC),
    "guides:matter": Entry(R("guides:matter", lambda sw: sw.world.matter.code), PUBLIC),
    "guides:leaflet": Entry(R("guides:leaflet", lambda sw: sw.world.station.code), PUBLIC),
    "guides:poster": Entry(
        R("guides:poster", lambda sw: sw.world.station.code, lambda sw: sw.world.matter.code), (404,) * 8
    ),
    # e-licences of a case: as its material photos (scope 404, login first)
    "elicence:case": Entry(R("elicence:case", _case), (302, 302, 200, 200, 200, 404, 200, 200)),
    "bundles:catalog": Entry(Q("/bundles/"), (200,) * 8),
    "bundles:guide": Entry(R("bundles:guide", _bundle_code), (200,) * 8),
    "bundles:dashboard": Entry(R("bundles:dashboard"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "bundles:intake-list": Entry(R("bundles:intake-list"), (302, 302, 200, 200, 200, 200, 200, 200)),
    # staff2's station does not offer the bundle: no site to log it for
    "bundles:intake": Entry(R("bundles:intake", _bundle_code), (302, 302, 200, 200, 200, 403, 200, 200)),
    "bundles:case": Entry(R("bundles:case", _bundle_parent), (302, 302, 200, 200, 200, 404, 200, 200)),
    "handoffs:page": Entry(R("handoffs:page", _case), (302, 302, 200, 200, 200, 404, 200, 200)),
    "api-bundle-list": Entry(R("api-bundle-list"), (200,) * 8, api=True),
    "api-bundle-detail": Entry(R("api-bundle-detail", _bundle_code), (200,) * 8, api=True),
    "api-bundle-intake": Entry(  # every role here may log requests: the empty body is what is refused
        R("api-bundle-intake"), (401, 401, 400, 400, 400, 400, 400, 400), method="post", api=True
    ),
    "api-bundle-stats": Entry(R("api-bundle-stats"), (401, 401, 403, 403, 200, 200, 200, 200), api=True),
    "api-bundle-case": Entry(
        R("api-bundle-case", _bundle_parent), (401, 401, 200, 200, 200, 404, 200, 200), api=True
    ),
    "api-bundle-add": Entry(  # staff only
        R("api-bundle-add", _bundle_parent), (401, 401, 403, 403, 400, 404, 400, 400), method="post", api=True
    ),
    "api-bundle-drop": Entry(  # a started member: staff or its assigned agent (none yet)
        R("api-bundle-drop", _bundle_member),
        (401, 401, 403, 403, 400, 404, 400, 400),
        method="post",
        api=True,
    ),
    # hand-offs: staff or the assigned agent (none yet)
    "api-case-handoff": Entry(
        R("api-case-handoff", _case), (401, 401, 403, 403, 400, 404, 400, 400), method="post", api=True
    ),
    "api-case-handoff-reference": Entry(
        R("api-case-handoff-reference", _case),
        (401, 401, 403, 403, 400, 404, 400, 400),
        method="post",
        api=True,
    ),
    "api-case-handoff-return": Entry(
        R("api-case-handoff-return", _case), (401, 401, 403, 403, 400, 404, 400, 400), method="post", api=True
    ),
    # --- training and typical cases (issue 16) --------------------------------------------------------
    "training:events": Entry(R("training:events"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "training:event-new": Entry(R("training:event-new"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "training:event": Entry(R("training:event", 999_999), (302, 302, 403, 403, 404, 404, 404, 404)),
    "training:plan-index": Entry(R("training:plan-index"), (302, 302, 403, 403, 403, 403, 302, 200)),
    "training:plan": Entry(
        R("training:plan", lambda sw: sw.world.center.code), (302, 302, 403, 403, 403, 403, 200, 200)
    ),
    "training:plan-export": Entry(
        R("training:plan-export", lambda sw: sw.world.center.code), (302, 302, 403, 403, 403, 403, 200, 200)
    ),
    "showcase:district": Entry(R("showcase:district"), (200,) * 8),
    "showcase:town": Entry(R("showcase:town", lambda sw: sw.world.center.code), (200,) * 8),
    "showcase:case": Entry(R("showcase:case", 999_999), (404,) * 8),
    "showcase:consent": Entry(R("showcase:consent", "no-such-token"), (404,) * 8),
    "showcase:staff-home": Entry(R("showcase:staff-home"), (302, 302, 403, 403, 200, 200, 200, 200)),
    "showcase:staff-propose": Entry(
        R("showcase:staff-propose", _case), (302, 302, 403, 403, 200, 404, 200, 200)
    ),
    "showcase:staff-detail": Entry(
        R("showcase:staff-detail", 999_999), (302, 302, 403, 403, 404, 404, 404, 404)
    ),
    "showcase:staff-action": Entry(
        R("showcase:staff-action", 999_999, "publish"),
        (302, 302, 403, 403, 404, 404, 404, 404),
        method="post",
    ),
}


def _status(sw: SecWorld, role: str, entry: Entry) -> int:
    url = entry.url(sw)
    client = sw.api(role) if entry.api else sw.client(role)
    if entry.method == "get":
        return client.get(url).status_code
    if entry.api:
        return client.post(url, entry.data, format="json").status_code
    return client.post(url, entry.data).status_code


@pytest.mark.django_db
def test_every_route_has_a_matrix_entry() -> None:
    names = {r.name for r in all_routes()}
    missing = sorted(names - set(MATRIX))
    stale = sorted(set(MATRIX) - names)
    assert not missing, f"routes without a permission-matrix entry (add them to MATRIX): {missing}"
    assert not stale, f"MATRIX entries for routes that no longer exist: {stale}"


@pytest.mark.django_db
def test_permission_matrix(sec_world: SecWorld) -> None:
    failures = []
    actual_table = {}
    for name, entry in MATRIX.items():
        got = tuple(_status(sec_world, role, entry) for role in ROLES)
        actual_table[name] = got
        if got != entry.expect:
            diffs = {r: (e, g) for r, e, g in zip(ROLES, entry.expect, got, strict=True) if e != g}
            failures.append(f"{name} {entry.method.upper()} {entry.url(sec_world)}: expected→got {diffs}")
    print(json.dumps({k: list(v) for k, v in actual_table.items()}))
    assert not failures, "\n".join(failures)
