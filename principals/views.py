from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from portal.navigation import principal_sections

from . import access


@login_required
def home(request):
    """An organiser user's start page: straight to their organisation when they have one."""
    principals = list(access.member_principals(request.user))
    if len(principals) == 1:
        return redirect("principals:principal-detail", pk=principals[0].pk)
    return render(request, "principals/home.html", {"principals": principals})


@login_required
def principal_detail(request, pk):
    principal = access.get_principal_for_view(request.user, pk)
    units = principal.school_units.select_related("municipality").order_by("name")
    return render(
        request,
        "principals/principal_detail.html",
        {
            "principal": principal,
            "municipalities": principal.municipalities.all(),
            "units": units,
            "can_edit": access.can_edit(request.user, principal),
            "sections": principal_sections(),
        },
    )
