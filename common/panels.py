"""Panels and marks that an upper app adds to a lower app's pages, without the lower app importing it.

The apps stack one way (common ← projects ← deposits ← clues ← supervision), yet a project's page must show
supervision's 五金五制 checklist, and every page that names an enterprise its blacklist mark (V4). The upper app
registers here in its AppConfig.ready; the lower app's template asks here:

    register_panel("projects.Project", render=fn(request, obj) -> str (HTML) | "", order=10)
    {% load panels %}{% record_panels project %}

    register_enterprise_flags(fn() -> {enterprise id: [(css class, label, title)]})   — every flagged one
    {% load panels %}{% enterprise_mark enterprise %}     — per request, one lookup of every flag provider

A panel renders its own template (render_to_string) and does its own reads; it returns "" when there is nothing to
show to this user.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

_PANELS: dict[str, list[tuple[int, Callable]]] = {}
_FLAG_PROVIDERS: list[Callable[[], dict[int, list[tuple[str, str, str]]]]] = []


def register_panel(model_label: str, *, render: Callable, order: int = 50) -> None:
    _PANELS.setdefault(model_label, []).append((order, render))
    _PANELS[model_label].sort(key=lambda pair: pair[0])


def panels_for(request, obj) -> list[str]:
    label = obj._meta.label
    return [html for _, render in _PANELS.get(label, []) if (html := render(request, obj))]


def register_enterprise_flags(provider: Callable[[], dict[int, list[tuple[str, str, str]]]]) -> None:
    """`provider()` returns every flagged enterprise (the blacklist is a short list), so a page listing 20 or
    2,000 enterprises asks once per request."""
    _FLAG_PROVIDERS.append(provider)


@dataclasses.dataclass
class _FlagCache:
    """All flags of the request, loaded once on first use (one query per provider, whatever the page lists)."""

    flags: dict[int, list[tuple[str, str, str]]] | None = None


def enterprise_flags(request, enterprise_id: int | None) -> list[tuple[str, str, str]]:
    if enterprise_id is None:
        return []
    cache = getattr(request, "_enterprise_flags", None) if request is not None else None
    if cache is None:
        cache = _FlagCache()
        if request is not None:
            request._enterprise_flags = cache
    if cache.flags is None:
        cache.flags = {}
        for provider in _FLAG_PROVIDERS:
            for pk, flags in provider().items():
                cache.flags.setdefault(pk, []).extend(flags)
    return cache.flags.get(enterprise_id, [])
