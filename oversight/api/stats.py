"""``GET /api/v1/stats/?site=&from=&to=`` (``scope=`` is a synonym of ``site=``): oversight figures."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oversight import stats


class StatsView(APIView):
    """Figures for town staff and district admins (station staff: their own station); others 403. The dashboard
    page's figures: the contract's body plus ``by_agent``, ``by_day`` and ``avg_working_days``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("site", OpenApiTypes.STR, description="站点编码（中心含下属站点）"),
            OpenApiParameter("scope", OpenApiTypes.STR, description="同 site"),
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        scope = stats.stats_scope(user=request.user, site_code=params.get("site") or params.get("scope"))
        period = stats.period_parse(params.get("from"), params.get("to"))
        return Response(stats.stats_api_body(scope=scope, period=period))
