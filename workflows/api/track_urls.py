"""Resident API (mounted under /api/v1/track/)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
