"""`check --deploy` warns when the development-only webhook setting is on in production."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def insecure_webhooks(app_configs, **kwargs):
    if getattr(settings, "WEBHOOKS_ALLOW_INSECURE", False) and not settings.DEBUG:
        return [
            Warning(
                "WEBHOOKS_ALLOW_INSECURE is on: webhooks may be sent over plain http and to "
                "this machine's loopback address.",
                hint="Turn it off in production; it is meant for development and tests.",
                id="fidela.W101",
            )
        ]
    return []
