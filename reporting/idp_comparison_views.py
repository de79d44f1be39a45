"""The staff page comparing self-reported IdP and federation answers with the metadata."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from portal.permissions import VIEW_PRINCIPAL_DATA, permission_required

from . import idp_comparison

PER_PAGE = 50
SHOW_ALL = "alla"
SHOW = {  # the `visa` parameter: Swedish in the address, the verdict's key inside
    "avvikelser": idp_comparison.DISAGREES,
    "obekraftade": idp_comparison.NOT_CONFIRMED,
    "stammer": idp_comparison.AGREES,
    "utan-svar": idp_comparison.NO_SELF_REPORT,
}


@never_cache
@permission_required(VIEW_PRINCIPAL_DATA)
def idp_comparison_list(request):
    result = idp_comparison.comparison()
    show = request.GET.get("visa", SHOW_ALL)
    if show not in SHOW:
        show = SHOW_ALL
    rows = result.rows if show == SHOW_ALL else [r for r in result.rows if r.verdict == SHOW[show]]
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("sida"))
    options = [(SHOW_ALL, None, len(result.rows))] + [
        (key, idp_comparison.VERDICTS[verdict], result.counts[verdict])
        for key, verdict in SHOW.items()
    ]
    return render(
        request,
        "reporting/idp_comparison_list.html",
        {
            "comparison": result,
            "page": page,
            "show": show,
            "options": options,
            "query": urlencode({"visa": show}) if show != SHOW_ALL else "",
        },
    )
