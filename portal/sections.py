"""What each app adds to the portal's shared pages, in one typed registry (docs/adr/0010).

An app's AppConfig sets `parts = Parts(...)` in `ready()`: links for the main menu, sections of
the staff and government start pages, and sections of an organiser's page. A section is a
template and a context provider; the page's view has checked the reader's access once (to the
page, and to the organiser), then calls each provider and renders its template. So providers
do the queries, in the view, and the templates and their tags neither query nor check access.

The portal knows no app above it: it only reads `parts` off the installed apps.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from .roles import Role, role_of


@dataclass(frozen=True)
class Link:
    """A main-menu entry, shown to users with the permission or of the role."""

    url_name: str
    label: Any
    rule: str | Role


@dataclass(frozen=True)
class Section:
    """A part of a page: `context(user, principal)` gives the template's context. On start
    pages `principal` is None. The provider may trust that the reader may see the page (and
    the organiser); finer choices (say, what only editors see) are its own."""

    template: str
    context: Callable[[Any, Any], dict] = lambda user, principal: {}


@dataclass(frozen=True)
class Parts:
    links: Sequence[Link] = ()
    start: Mapping[Role, Sequence[Section]] = field(default_factory=dict)
    principal: Sequence[Section] = ()


def _parts() -> list[Parts]:
    return [config.parts for config in apps.get_app_configs() if hasattr(config, "parts")]


def _allowed(user, rule: str | Role) -> bool:
    if isinstance(rule, Role):
        return role_of(user) == rule or (rule == Role.STAFF and role_of(user) == Role.ADMIN)
    return user.has_perm(rule)


def menu_for(user, current_path: str) -> list[dict]:
    items = []
    for parts in _parts():
        for link in parts.links:
            if _allowed(user, link.rule):
                url = reverse(link.url_name)
                items.append(
                    {"url": url, "label": link.label, "current": current_path.startswith(url)}
                )
    return items


def _render(request, sections: Sequence[Section], principal) -> list[SafeString]:
    return [
        render_to_string(
            section.template, section.context(request.user, principal), request=request
        )
        for section in sections
    ]


def start_sections(request, role: Role) -> list[SafeString]:
    """A start page's sections, rendered; administrators see the staff page's."""
    key = Role.STAFF if role == Role.ADMIN else role
    return _render(request, [s for parts in _parts() for s in parts.start.get(key, ())], None)


def principal_sections(request, principal) -> list[SafeString]:
    """The sections of an organiser's page, rendered. Call only after checking that the
    reader may see `principal`."""
    return _render(request, [s for parts in _parts() for s in parts.principal], principal)
