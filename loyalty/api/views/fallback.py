"""Any other path under /api/v1/: a problem+json 404, not the HTML page."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from loyalty.api.problems import PROBLEM_CONTENT_TYPE, TYPE_PREFIX


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other path under /api/v1/: a problem, not the HTML 404 page."""
    return JsonResponse(
        {
            "type": TYPE_PREFIX + "not_found",
            "title": "Not Found",
            "status": 404,
            "detail": _("There is no such endpoint. See /api/v1/docs/."),
            "code": "not_found",
        },
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
    )
