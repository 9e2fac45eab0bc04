"""Every model registered in the admin has a working changelist and add page (no 500s) for the district admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from agency.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client):
    user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda m: m._meta.label), ids=lambda m: m._meta.label
)
def test_changelist_renders(admin_client_logged_in, model):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    response = admin_client_logged_in.get(url)
    assert response.status_code == 200, (opts.label, response.status_code)
    model_admin = admin.site._registry[model]
    if model_admin.has_add_permission(type("R", (), {"user": response.wsgi_request.user})()):
        add = admin_client_logged_in.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code == 200, (opts.label, add.status_code)
