"""The messaging settings of the campaigns (/portal/campaigns/settings/): the frequency cap
and the quiet hours that every marketing message respects (campaigns.messaging.policy)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from campaigns.messaging.policy import save_messaging_settings, settings_of
from campaigns.models import MessagingSettings
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required


class MessagingSettingsForm(forms.ModelForm):
    class Meta:
        model = MessagingSettings
        fields = ["cap_count", "cap_days", "quiet_start", "quiet_end"]
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_end": gettext_lazy(
                "In your shop's time zone. The same start and end: no quiet hours."
            ),
        }


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def messaging_settings(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    current = settings_of(merchant)
    form = MessagingSettingsForm(request.POST or None, instance=settings_of(merchant))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        save_messaging_settings(
            merchant=merchant,
            actor=request.user,
            cap_count=data["cap_count"],
            cap_days=data["cap_days"],
            quiet_start=data["quiet_start"],
            quiet_end=data["quiet_end"],
        )
        messages.success(request, _("Messaging settings saved."))
        return redirect("portal:campaigns_settings")
    return render(
        request,
        "portal/campaigns/messaging_settings.html",
        {
            "form": form,
            "current": current,
            "time_zone": merchant.timezone,
            "nav": "campaigns",
            "tab": "settings",
        },
        status=400 if form.errors else 200,
    )
