from django.conf import settings

from .models import DemoDataset
from .roles import Role, role_of
from .sections import menu_for


def portal(request) -> dict:
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "demo_data_loaded": DemoDataset.objects.present,
        "user_role": role_of(user) if authenticated else Role.NONE,
        "navigation": (lambda: menu_for(user, request.path)) if authenticated else [],
        "admin_url": "/" + settings.ADMIN_URL,
        "LANGUAGES": settings.LANGUAGES,
    }
