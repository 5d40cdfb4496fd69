"""`Authorization: Bearer <key>`: the key fixes the merchant and the shop of every request."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from loyalty.languages import speak_to_client
from loyalty.models import ApiKey, Merchant, Shop
from loyalty.tenancy.services import authenticate_api_key


@dataclass(frozen=True)
class ApiClient:
    """The caller of an API request: a till or a web shop, through its shop's key."""

    key: ApiKey

    is_authenticated = True
    is_anonymous = False

    @property
    def merchant(self) -> Merchant:
        return self.key.merchant

    @property
    def shop(self) -> Shop:
        return self.key.shop

    @property
    def pk(self) -> int:
        return self.key.pk

    def __str__(self) -> str:
        return f"API key {self.key.hint}…"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw:
            raise exceptions.AuthenticationFailed(
                _("Send the key as `Authorization: Bearer <key>`.")
            )
        if len(raw) > 200 or not raw.isascii() or not raw.isprintable():
            raise exceptions.AuthenticationFailed(_("This API key is not valid."))
        key = authenticate_api_key(raw)
        if key is None or key.shop.is_archived:
            raise exceptions.AuthenticationFailed(_("This API key is not valid or was revoked."))
        request.merchant = key.merchant
        request.shop = key.shop
        speak_to_client(request, key.merchant)
        return ApiClient(key), key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class HasApiKey(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "loyalty.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The shop's API key, from the portal: Settings → API keys.",
        }
