from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request):
        # A new owner names the merchant and the first shop next.
        return reverse("onboarding")
