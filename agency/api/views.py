"""Public agency API (no auth) and ``/me/``. Thin: call a selector, serialise, answer."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agency import selectors
from agency.api.serializers import (
    MatterSerializer,
    MeSerializer,
    RosterSerializer,
    SiteDetailSerializer,
    SiteSerializer,
)
from agency.extensions import site_tiers

ErrorSerializer = inline_serializer(
    "AgencyError", {"message": serializers.CharField(), "extra": serializers.DictField()}
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="未找到该站点")


class PublicAPIView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class SiteListView(PublicAPIView):
    @extend_schema(operation_id="sites_list", responses=SiteSerializer(many=True), tags=["public"])
    def get(self, request: Request) -> Response:
        sites = list(selectors.site_list_public())
        context = {"approved_tiers": site_tiers(sites)}
        return Response(SiteSerializer(sites, many=True, context=context).data)


class SiteDetailView(PublicAPIView):
    @extend_schema(
        operation_id="sites_retrieve", responses={200: SiteDetailSerializer, 404: NOT_FOUND}, tags=["public"]
    )
    def get(self, request: Request, code: str) -> Response:
        site = selectors.site_get_public(code)
        context = {"approved_tiers": site_tiers([site])}
        return Response(SiteDetailSerializer(site, context=context).data)


class SiteRosterView(PublicAPIView):
    @extend_schema(
        operation_id="sites_roster", responses={200: RosterSerializer, 404: NOT_FOUND}, tags=["public"]
    )
    def get(self, request: Request, code: str) -> Response:
        site = selectors.site_get_public(code)
        roster = selectors.site_roster(site)
        body = {
            "site": SiteSerializer(site, context={"approved_tiers": site_tiers([site])}).data,
            "policy": site.policy_text,
            "agents": [
                {"name": e.name, "role": e.role, "phone": e.phone, "scopes": e.scopes} for e in roster
            ],
        }
        return Response(body)


class MatterListView(PublicAPIView):
    @extend_schema(operation_id="matters_list", responses=MatterSerializer(many=True), tags=["public"])
    def get(self, request: Request) -> Response:
        return Response(MatterSerializer(selectors.matter_list_public(), many=True).data)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_retrieve", responses=MeSerializer, tags=["staff"])
    def get(self, request: Request) -> Response:
        user = request.user
        agent = getattr(user, "agent", None)  # None when the user has no agent profile
        display = getattr(user, "display_name", "") or (agent.name if agent else "") or user.get_username()
        body = {
            "username": user.get_username(),
            "display_name": display,
            "role": selectors.user_role(user),  # type: ignore[arg-type]
            "sites": selectors.sites_for_user(user),  # type: ignore[arg-type]
        }
        return Response(body)
