"""Reading requests the same way on every surface."""

from django.http import Http404, HttpRequest


def posted_id(request: HttpRequest, name: str) -> int:
    """An object id from a form; anything but a number is a missing object, as in a URL."""
    try:
        value = int(request.POST.get(name, ""))
    except ValueError:
        raise Http404 from None
    # SQLite cannot even compare with a number beyond 64 bits; no row has such an id.
    if not 0 < value < 2**63:
        raise Http404
    return value
