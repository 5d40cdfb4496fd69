"""The footer's language switcher: Django's `set_language`, and the choice kept on the account.

Django's view sets the cookie for this browser. Signed in, the choice is also kept on the
person's account (`User.language`, read by the staff pages on any browser) and, when they
switched on a member page of theirs, on that card (`Member.language`: the member page, emails
and SMS speak it). Only the person's own card at the merchant of the page is touched.
"""

import re

from django.http import HttpRequest, HttpResponse
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from loyalty.languages import SUPPORTED
from loyalty.models import Merchant
from members.models import Member

MEMBER_PAGE = re.compile(r"^/m/(?P<slug>[-\w]+)/")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in SUPPORTED and check_for_language(language):
        if user.language != language:
            user.language = language
            user.save(update_fields=["language"])
        page = MEMBER_PAGE.match(request.POST.get("next", ""))
        merchant = Merchant.objects.filter(slug=page["slug"]).first() if page else None
        if merchant is not None:
            Member.objects.for_merchant(merchant).filter(user=user).update(language=language)
    return response
