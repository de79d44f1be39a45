"""Permission checks for views: anonymous users go to login, others without the right get 403."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

VIEW_PROGRAMME = "portal.view_programme"
CHANGE_PROGRAMME = "portal.change_programme"
VIEW_AGGREGATES = "portal.view_aggregates"
MANAGE_PRINCIPALS = "portal.manage_principals"
VIEW_PRINCIPAL_DATA = "portal.view_principal_data"
MANAGE_ROUNDS = "portal.manage_rounds"
EDIT_FINAL_REPORT = "portal.edit_final_report"
APPROVE_FINAL_REPORT = "portal.approve_final_report"


def require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def permission_required(perm: str):
    """Function-view decorator: login first, then the one permission."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            require(request.user, perm)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class PermissionMixin(LoginRequiredMixin):
    """Class-view mixin: `permission` is checked after login; no silent redirect for members."""

    permission: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        require(request.user, self.permission)
        return super().dispatch(request, *args, **kwargs)
