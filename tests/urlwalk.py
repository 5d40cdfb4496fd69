"""Walks the URL patterns of the staff namespaces, so that a new URL is tested without a list.

Tests that try every page (the outsider's 404, the roles' 403) build their URLs from here. A
URL taking an argument the map of ids does not know fails the test: add the argument there.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

STAFF_NAMESPACES = ("portal", "pos")


@dataclass(frozen=True)
class Route:
    name: str | None
    namespace: str
    route: str
    kwarg_names: tuple[str, ...]
    callback: Callable

    @property
    def full_name(self) -> str:
        return f"{self.namespace}:{self.name}"

    @property
    def required_role(self) -> str | None:
        # `staff_required` sets it; the method decorators around it copy it with functools.wraps.
        return getattr(self.callback, "required_role", None)

    def url(self, ids: Mapping[str, int] | None = None) -> str:
        if self.name is None:
            pytest.fail(f"{self.namespace}:{self.route} has no name; give it one")
        ids = ids or {}
        unknown = [name for name in self.kwarg_names if name not in ids]
        if unknown:
            pytest.fail(
                f"{self.full_name} takes {unknown}, which the walk does not know how to fill: "
                "add an object of merchant A for it to `ids_of_a` in tests/loyalty/conftest.py"
            )
        return reverse(self.full_name, kwargs={name: ids[name] for name in self.kwarg_names})

    def __str__(self) -> str:
        return self.full_name


def _visit(patterns, namespace: str, prefix: str, kwargs: tuple[str, ...], found: list[Route]):
    for pattern in patterns:
        here = tuple(pattern.pattern.regex.groupindex)
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            _visit(pattern.url_patterns, inner, route, kwargs + here, found)
        elif isinstance(pattern, URLPattern):
            found.append(Route(pattern.name, namespace, route, kwargs + here, pattern.callback))


def staff_routes(namespaces: tuple[str, ...] = STAFF_NAMESPACES) -> list[Route]:
    """Every URL pattern under the given top-level namespaces, nested includes included."""
    found: list[Route] = []
    for top in get_resolver().url_patterns:
        if isinstance(top, URLResolver) and top.namespace in namespaces:
            here = tuple(top.pattern.regex.groupindex)
            _visit(top.url_patterns, top.namespace, str(top.pattern), here, found)
    return found
