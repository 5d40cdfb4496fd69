"""Where webhooks may go: https to public addresses, checked at save and again at send time."""

import pytest

from loyalty.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from loyalty.tasks import drain_outbox
from loyalty.webhooks import services
from loyalty.webhooks.delivery import send_due_deliveries
from loyalty.webhooks.safety import UnsafeWebhookURL, check_url
from members.services.enrolment import enrol_member

PRIVATE_URLS = [
    "https://10.0.0.1/",
    "https://172.16.5.4/hook",
    "https://192.168.1.10/hook",
    "https://127.0.0.1/",
    "https://localhost/",
    "https://localhost:8443/hook",
    "https://api.localhost/",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "https://[::1]/",
    "https://[fe80::1]/",
    "https://[fd00::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:10.0.0.1]/",
]
# Host names that the resolver turns into 127.0.0.1 without asking any DNS server: only the
# resolution step can catch them.
NAMES_OF_LOOPBACK = ["https://127.1/", "https://2130706433/", "https://0x7f000001/"]


@pytest.mark.parametrize("url", PRIVATE_URLS + NAMES_OF_LOOPBACK)
def test_a_private_or_local_address_is_refused(url):
    with pytest.raises(UnsafeWebhookURL) as error:
        check_url(url)
    assert error.value.code == "webhook_url_not_allowed"


@pytest.mark.parametrize(
    "url",
    [
        "http://203.0.113.7/hook",
        "http://hooks.example.com/",
        "ftp://hooks.example.com/",
        "hooks.example.com",
    ],
)
def test_anything_but_https_is_refused(url):
    with pytest.raises(UnsafeWebhookURL) as error:
        check_url(url)
    assert "https" in error.value.message


def test_a_url_with_credentials_is_refused():
    with pytest.raises(UnsafeWebhookURL):
        check_url("https://user:pass@8.8.8.8/")


def test_a_public_address_is_accepted():
    target = check_url("https://8.8.8.8:8443/hooks?x=1")

    assert (target.address, target.port, target.path) == ("8.8.8.8", 8443, "/hooks?x=1")


# IPv6 forms that carry an IPv4 address inside: the IPv4 address decides (NAT64, 6to4,
# IPv4-compatible and IPv4-mapped). The local-use NAT64 prefix is never a public server.
EMBEDDED_PRIVATE = [
    "https://[64:ff9b::7f00:1]/",
    "https://[64:ff9b::a00:1]/",
    "https://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
    "https://[64:ff9b:1::808:808]/",
    "https://[2002:7f00:1::]/",
    "https://[2002:c0a8:10a::1]/",
    "https://[::127.0.0.1]/",
    "https://[::10.0.0.1]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[::ffff:169.254.169.254]/",
]


@pytest.mark.parametrize("url", EMBEDDED_PRIVATE)
def test_an_ipv4_address_embedded_in_ipv6_is_checked_as_ipv4(url):
    with pytest.raises(UnsafeWebhookURL) as error:
        check_url(url)
    assert error.value.code == "webhook_url_not_allowed"


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://[64:ff9b::808:808]/", "64:ff9b::808:808"),
        ("https://[2002:808:808::1]/", "2002:808:808::1"),
    ],
)
def test_a_public_ipv4_address_embedded_in_ipv6_is_accepted(url, address):
    assert check_url(url).address == address


def test_an_embedded_loopback_is_allowed_only_with_the_insecure_setting(insecure):
    assert check_url("http://[64:ff9b::7f00:1]:8000/").address == "64:ff9b::7f00:1"
    with pytest.raises(UnsafeWebhookURL):
        check_url("http://[64:ff9b::a00:1]/")


def test_a_name_that_does_not_resolve_is_refused():
    with pytest.raises(UnsafeWebhookURL) as error:
        check_url("https://no-such-host.invalid/")
    assert error.value.code == "webhook_url_unresolvable"


def test_the_insecure_setting_allows_http_and_loopback_only(insecure):
    assert check_url("http://127.0.0.1:8000/hook").address == "127.0.0.1"
    assert check_url("http://localhost:8000/hook").address in ("127.0.0.1", "::1")
    with pytest.raises(UnsafeWebhookURL):
        check_url("http://10.0.0.1/hook")
    with pytest.raises(UnsafeWebhookURL):
        check_url("http://169.254.169.254/")


def test_the_setting_is_off_by_default():
    from config import settings as project_settings

    assert project_settings.WEBHOOKS_ALLOW_INSECURE is False


@pytest.mark.parametrize("url", ["https://10.0.0.1/", "https://localhost/", "http://8.8.8.8/"])
def test_creating_an_endpoint_refuses_the_url(merchant_a, owner_a, url):
    with pytest.raises(UnsafeWebhookURL):
        services.create_endpoint(
            merchant=merchant_a, actor=owner_a, url=url, events=["member.joined"]
        )
    assert not WebhookEndpoint.objects.exists()


def test_changing_an_endpoint_to_a_private_url_is_refused(merchant_a, owner_a, insecure, settings):
    endpoint = services.create_endpoint(
        merchant=merchant_a, actor=owner_a, url="http://127.0.0.1:9/", events=["member.joined"]
    )
    settings.WEBHOOKS_ALLOW_INSECURE = False

    with pytest.raises(UnsafeWebhookURL):
        services.update_endpoint(
            endpoint=endpoint, actor=owner_a, url="https://10.1.2.3/", events=["member.joined"]
        )
    endpoint.refresh_from_db()
    assert endpoint.url == "http://127.0.0.1:9/"


def test_the_address_is_checked_again_at_send_time(
    clock, merchant_a, shop_a, endpoint_a, receiver, settings
):
    # Saved while allowed; by the time it is sent, loopback is no longer allowed. The same
    # happens when a public name is re-pointed at an internal address after it was saved.
    enrol_member(merchant=merchant_a, email="ana@example.com", shop=shop_a)
    drain_outbox()
    settings.WEBHOOKS_ALLOW_INSECURE = False

    send_due_deliveries()

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.response_code is None
    assert "https" in delivery.error or "private" in delivery.error


def test_check_deploy_warns_when_the_insecure_setting_is_on(settings):
    from loyalty.webhooks.checks import insecure_webhooks

    settings.DEBUG = False
    assert insecure_webhooks(None) == []
    settings.WEBHOOKS_ALLOW_INSECURE = True
    assert [warning.id for warning in insecure_webhooks(None)] == ["fidela.W101"]
