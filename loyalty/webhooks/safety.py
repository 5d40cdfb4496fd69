"""Where a webhook may be sent: https to public addresses only.

A merchant's URL is checked when it is saved and again before every send, because what a name
resolves to can change. The sender then connects to the address that was checked, so a name
cannot be re-pointed at an internal service between the check and the connection.
`WEBHOOKS_ALLOW_INSECURE` (development and tests only) also allows http and loopback addresses.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeWebhookURL(ValidationFailed):
    code = "webhook_url_not_allowed"


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts and the address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def insecure_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_INSECURE", False))


# NAT64 (RFC 6052) translates the last 32 bits to IPv4; the local-use prefix (RFC 8215) is
# for a network's own translators and never reaches a public server.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
# IPv4-compatible addresses (RFC 4291, deprecated): ::a.b.c.d. "::" and "::1" are not.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _unwrap(address: IPAddress) -> IPAddress | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, compatible), or itself.

    None for a prefix that is never public. The routers on the way deliver to the IPv4
    address, so that is the one to judge: `64:ff9b::7f00:1` is 127.0.0.1 behind NAT64.
    """
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address in _NAT64_LOCAL:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _address_allowed(address: IPAddress, *, insecure: bool) -> bool:
    unwrapped = _unwrap(address)
    if unwrapped is None:
        return False
    address = unwrapped
    if insecure and address.is_loopback:
        return True
    # is_global is False for private, loopback, link-local, shared (100.64/10), reserved,
    # documentation and unspecified ranges; multicast is never a web server.
    return address.is_global and not address.is_multicast


def check_url(url: str, *, resolve: bool = True) -> Target | None:
    """Refuse a URL that is not https or that points at a non-public address.

    With `resolve`, the host name is looked up and every address it has must be public; the
    first one is returned for the connection. Raises `UnsafeWebhookURL`.
    """
    insecure = insecure_allowed()
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeWebhookURL(_("This is not a valid URL.")) from None
    allowed_schemes = {"https", "http"} if insecure else {"https"}
    if parts.scheme not in allowed_schemes:
        raise UnsafeWebhookURL(_("Webhook URLs must start with https://."))
    if parts.username or parts.password:
        raise UnsafeWebhookURL(_("Webhook URLs may not contain a user name or password."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeWebhookURL(_("This URL has no host name."))
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query

    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not _address_allowed(literal, insecure=insecure):
            raise UnsafeWebhookURL(_("Webhook URLs may not point at a private or local address."))
        return Target(parts.scheme, host, port, path, str(literal))
    if (host.lower() == "localhost" or host.lower().endswith(".localhost")) and not insecure:
        raise UnsafeWebhookURL(_("Webhook URLs may not point at a private or local address."))
    if not resolve:
        return None

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeWebhookURL(
            _("The host name “%(host)s” cannot be resolved.") % {"host": host},
            code="webhook_url_unresolvable",
        ) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeWebhookURL(
            _("The host name “%(host)s” cannot be resolved.") % {"host": host},
            code="webhook_url_unresolvable",
        )
    # Every address must be public: a name with one public and one private address could be
    # answered either way at connection time.
    if not all(_address_allowed(address, insecure=insecure) for address in addresses):
        raise UnsafeWebhookURL(_("Webhook URLs may not point at a private or local address."))
    return Target(parts.scheme, host, port, path, str(addresses[0]))
