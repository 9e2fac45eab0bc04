"""Resident pages (/track/ …)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
