"""The one case-action table (``workflows.actions``) drives both the pages and the API; the rules written once
(mail tracking number) answer the same from the form and the service."""

import dataclasses
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve
from rest_framework.test import APIClient

from workflows import case_steps, forms, permissions
from workflows.actions import CASE_ACTIONS
from workflows.api.views import ACTION_VIEWS
from workflows.case_rules import MAIL_NEEDS_TRACKING_NO
from workflows.models import Case
from workflows.tests.page_helpers import assigned_case

pytestmark = pytest.mark.django_db


def test_every_action_has_a_rule_a_page_form_and_an_api_route(world):
    case = assigned_case(world)
    assert set(CASE_ACTIONS) == set(permissions.ACTIONS) == set(ACTION_VIEWS)
    for name, action in CASE_ACTIONS.items():
        assert action.rule is permissions.RULES[name]
        assert resolve(f"/api/v1/cases/{case.case_no}/{name}/").func.view_class is ACTION_VIEWS[name]
        assert resolve(f"/m/cases/{case.case_no}/{name}/").url_name == "m-case-action"
        assert action.form.for_case(case, prefix=name).prefix == name


def test_the_apps_built_on_cases_add_their_actions_as_rows_of_the_one_table():
    # rows registered by bundles, handoffs, uploads and showcase when their services are imported
    import bundles.services  # noqa: F401
    import handoffs.services  # noqa: F401
    import showcase.services  # noqa: F401
    import uploads.services  # noqa: F401

    added = set(permissions.RULES) - set(permissions.ACTIONS)
    assert {"bundle_add", "bundle_drop_waiting", "handoff", "handoff_reference", "handoff_return"} <= added
    assert {"material_photo_add", "typical_case_propose", "typical_case_review"} <= added
    assert not added & set(CASE_ACTIONS)  # not offered on the case page or the case action API
    with pytest.raises(RuntimeError):
        permissions.rule_register("handoff", permissions.Rule(permissions.STAFF, ("new",)))


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _swap_service(name: str, fake: mock.Mock) -> dict:
    return {name: dataclasses.replace(CASE_ACTIONS[name], service=fake)}


def test_page_and_api_call_the_service_of_the_tables_row(client, world):
    case = case_steps.case_visit(
        actor=world.grid_worker, case=assigned_case(world), note="", materials_missing=[]
    )
    case = case_steps.case_submit(actor=world.grid_worker, case=case, department="镇社保所", reference_no="")
    fake = mock.Mock(return_value=case)
    with mock.patch.dict(CASE_ACTIONS, _swap_service("progress", fake)):
        client.force_login(world.grid_worker)
        page = client.post(f"/m/cases/{case.case_no}/progress/", {"progress-note": "材料已送审"})
        api = _api(world.grid_worker).post(
            f"/api/v1/cases/{case.case_no}/progress/", {"note": "仍在审核"}, format="json"
        )
    assert page.status_code == 302
    assert api.status_code == 200
    notes = [c.kwargs["note"] for c in fake.call_args_list]
    assert notes == ["材料已送审", "仍在审核"]
    assert all(c.kwargs["actor"] == world.grid_worker for c in fake.call_args_list)


def test_mail_without_tracking_number_same_message_from_form_and_service(world):
    form = forms.CompleteForm({"result": "已办好", "delivery_method": "mail", "tracking_no": " "})
    assert not form.is_valid()
    assert form.errors["tracking_no"] == [MAIL_NEEDS_TRACKING_NO]
    case = case_steps.case_visit(
        actor=world.grid_worker, case=assigned_case(world), note="", materials_missing=[]
    )
    case = case_steps.case_submit(actor=world.grid_worker, case=case, department="镇社保所", reference_no="")
    with pytest.raises(ValidationError) as exc:
        case_steps.case_complete(actor=world.grid_worker, case=case, result="已办好", delivery_method="mail")
    assert exc.value.message_dict["tracking_no"] == [MAIL_NEEDS_TRACKING_NO]
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
