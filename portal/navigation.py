"""Navigation and start-page sections contributed by each app through its AppConfig.

An app lists `navigation = [(url_name, label, permission_or_role), ...]` and may name
`start_sections = {role: template or [templates]}` (staff and government start pages) and
`principal_sections = [template, ...]` (included on a principal's page with `principal`,
`can_edit` and `user` in the context); the portal shows those a user may see.
"""

from django.apps import apps
from django.urls import reverse

from .roles import Role, role_of


def _allowed(user, rule) -> bool:
    if isinstance(rule, Role):
        return role_of(user) == rule or (rule == Role.STAFF and role_of(user) == Role.ADMIN)
    return user.has_perm(rule)


def items_for(user, current_path: str) -> list[dict]:
    items = []
    for config in apps.get_app_configs():
        for url_name, label, rule in getattr(config, "navigation", ()):
            if _allowed(user, rule):
                url = reverse(url_name)
                items.append({"url": url, "label": label, "current": current_path.startswith(url)})
    return items


def start_sections(role: Role) -> list[str]:
    """Templates for a role's start page; an app may give one template or a list."""
    key = Role.STAFF if role == Role.ADMIN else role
    templates: list[str] = []
    for config in apps.get_app_configs():
        section = getattr(config, "start_sections", {}).get(key)
        if section:
            templates += [section] if isinstance(section, str) else list(section)
    return templates


def principal_sections() -> list[str]:
    return [
        template
        for config in apps.get_app_configs()
        for template in getattr(config, "principal_sections", ())
    ]
