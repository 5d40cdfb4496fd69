"""The signed-in person's own settings (not the business's): the language they read Fidela in.

The choice is kept on their account (`User.language`), which the staff pages speak on any
browser (loyalty/languages.py); "my browser's language" clears it. The switcher's cookie of
this browser follows the choice, so that an older switch does not outvote it here.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from django.views.decorators.http import require_http_methods

from loyalty.tenancy.permissions import staff_required


def _language_choices() -> list[tuple[str, str]]:
    # Each language by its own name, so that a person who cannot read the page finds theirs.
    own_names = []
    for code, name in settings.LANGUAGES:
        with override(code):
            own_names.append((code, str(name)))
    return [("", gettext_lazy("My browser's language")), *own_names]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("I read Fidela in"),
        choices=_language_choices,
        required=False,
        help_text=gettext_lazy(
            "The portal and the POS speak it on every device you sign in on. With your "
            "browser's language, a language Fidela does not speak gives the business's default."
        ),
    )


@require_http_methods(["GET", "POST"])
@staff_required()
def my_language(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = LanguageForm(request.POST or None, initial={"language": user.language})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        if user.language != language:
            user.language = language
            user.save(update_fields=["language"])
        response = redirect("portal:my_language")
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        with override(language or None):
            messages.success(request, _("Your language is saved."))
        return response
    return render(request, "portal/my_language.html", {"form": form})
