"""A case action's permission is evaluated once per request (issue 25), through every door: the case action
API and pages (``rectify`` included, behind the residents app's reporter), and the 一件事, hand-off and
material-photo pages, which pass the permit they evaluated through to the service as their APIs do.

Measured with ``workflows.selectors.permit_evaluations``: how many times the process decided who a user is
to a case (a scoped case lookup, or a permit evaluated from scratch). Nothing of ours is replaced: each
request goes through the test client, the real view, service, transition and database.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from bundles.models import BundleChild
from bundles.tests.factories import child, intake, make_bundle_world
from handoffs.models import Handoff
from residents import services as resident_services
from residents.models import Rectification
from residents.tests.track_helpers import completed_case, private_cache  # noqa: F401
from uploads.models import MaterialPhoto
from uploads.tests.factories import jpeg_bytes
from workflows.models import Case
from workflows.selectors import permit_evaluations
from workflows.tests.factories import make_world
from workflows.tests.helpers import drive_to, new_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


def evaluations_of(request: Callable[[], Any]) -> tuple[Any, int]:
    """Make ``request`` and count the permit evaluations it caused."""
    before = permit_evaluations.value
    response = request()
    return response, permit_evaluations.value - before


def _session(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_counter_sees_a_second_evaluation():
    """The measure itself: a permit evaluated from scratch counts, a lookup counts, a permit built on the
    lookup's scope does not (so a request that evaluated twice would show 2)."""
    from workflows import selectors

    world = make_world()
    case = new_case(world)
    _, looked_up = evaluations_of(
        lambda: selectors.case_get_with_permit(user=world.staff, case_no=case.case_no)
    )
    _, fresh = evaluations_of(lambda: selectors.case_permit(user=world.staff, case=case))
    assert (looked_up, fresh) == (1, 1)


@pytest.mark.parametrize("door", ["api", "staff_page"])
def test_rectify_evaluates_the_permit_once(door):
    world = make_world()
    case = completed_case(world)
    rating = resident_services.rating_create(case=case, value=1, comment="没人上门")
    assert Case.objects.get(pk=case.pk).status == "rectifying"
    if door == "api":
        response, count = evaluations_of(
            lambda: _api(world.staff).post(
                f"/api/v1/cases/{case.case_no}/rectify/", {"note": "已约谈帮办员"}, format="json"
            )
        )
        assert response.status_code == 200, response.content
    else:
        response, count = evaluations_of(
            lambda: _session(world.staff).post(
                f"/staff/cases/{case.case_no}/rectify/", {"rectify-note": "已约谈帮办员"}
            )
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.get(pk=case.pk).status == "completed"
    assert Rectification.objects.get(rating=rating).report == "已约谈帮办员"
    assert count == 1


def test_rectify_refusals_still_come_from_the_one_check():
    """The permit passed along is still checked: 403 for a role that may not, 409 off ``rectifying``."""
    world = make_world()
    case = completed_case(world)
    resident_services.rating_create(case=case, value=1)
    url = f"/api/v1/cases/{case.case_no}/rectify/"
    assert _api(world.grid_worker).post(url, {"note": "x"}, format="json").status_code == 403
    assert _api(world.outsider).post(url, {"note": "x"}, format="json").status_code == 404
    assert _api(world.staff).post(url, {"note": "整改"}, format="json").status_code == 200
    again = _api(world.staff).post(url, {"note": "再报"}, format="json")
    assert again.status_code == 409 and again.json()["extra"] == {"status": "completed"}


def test_an_action_of_the_case_process_evaluates_once():
    world = make_world()
    case = drive_to(world, "assigned")
    response, count = evaluations_of(
        lambda: _api(world.grid_worker).post(f"/api/v1/cases/{case.case_no}/visit/", {}, format="json")
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "visited"
    assert count == 1


def test_a_case_moved_to_another_agent_is_evaluated_again_for_the_answer():
    """``CasePermit.for_case``: the answer after an assignment lists what the caller may do to the case as
    it is now (assigned to someone else): the one further evaluation the counter sees."""
    world = make_world()
    case = new_case(world)
    response, count = evaluations_of(
        lambda: _api(world.staff).post(
            f"/api/v1/cases/{case.case_no}/assign/", {"agent": world.grid_worker.username}, format="json"
        )
    )
    assert response.status_code == 200, response.content
    assert count == 2


def test_handoff_page_evaluates_once_per_step():
    world = make_world()
    case = drive_to(world, "visited")
    page = _session(world.grid_worker)
    url = f"/m/handoffs/{case.case_no}/"
    send = {"op": "send", "region": "山东省济南市", "authority": "历下区医保局", "channel": "mail"}
    steps = [
        send,
        {"op": "reference", "reference_no": "HB-1"},
        {"op": "return", "outcome": "completed", "result": "已办结"},
    ]
    counts = []
    for step in steps:
        response, count = evaluations_of(lambda step=step: page.post(url, step))
        assert response.status_code == 302, response.content.decode()[:2000]
        counts.append(count)
    assert counts == [1, 1, 1]
    handoff = Handoff.objects.get(case=case)
    assert handoff.reference_no == "HB-1" and handoff.outcome == "completed"
    assert Case.objects.get(pk=case.pk).status == "completed"


def test_handoff_page_refuses_a_role_before_reading_the_form():
    """The page checks the permit it evaluated before the input, as the API does: 403, not a field error."""
    world = make_world()
    case = drive_to(world, "visited")
    response = _session(world.volunteer).post(f"/m/handoffs/{case.case_no}/", {"op": "send", "region": ""})
    assert response.status_code == 403
    assert not Handoff.objects.filter(case=case).exists()


def test_material_photo_page_evaluates_once(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    settings.MATERIAL_PHOTO_STORAGE = "photos"
    world = make_world()
    case = new_case(world)
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    response, count = evaluations_of(
        lambda: _session(world.grid_worker).post(
            f"/m/materials/{case.case_no}/", {"photo": photo, "material": world.matter.materials[0]}
        )
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert MaterialPhoto.objects.get(case=case).material == world.matter.materials[0]
    assert count == 1


def test_bundle_page_add_evaluates_once_and_drop_once_per_case():
    bw = make_bundle_world()
    parent = intake(bw)
    page = _session(bw.w.staff)
    url = f"/m/bundles/case/{parent.case_no}/"
    dropped = child(parent, bw.sbk)
    add = {"op": "add", "matter": bw.sbk.code, "reason": "居民需要办社保卡"}
    # the member is dropped first (a live member of the same matter cannot be added again)
    response, drop_count = evaluations_of(
        lambda: page.post(url, {"op": "withdraw", "child": dropped.case_no, "reason": "已有社保卡"})
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.get(pk=dropped.pk).status == "withdrawn"
    response, add_count = evaluations_of(lambda: page.post(url, add))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BundleChild.objects.filter(parent__case=parent, case__matter=bw.sbk).count() == 2
    # adding acts on the 一件事 alone; dropping names a member in the form, a case of its own
    assert (add_count, drop_count) == (1, 2)
