"""Every model is classified for the figure cache (reporting/cache.py): its new rows move the
data version, or its audit events do, or it is no source of figures. A model added without a
decision fails here instead of silently serving stale figures."""

from django.apps import apps

from reporting import cache


def test_every_model_is_classified_once():
    classified = cache.classified_models()
    seen: dict[type, str] = {}
    for kind, listed in classified.items():
        for model in listed:
            assert model not in seen, f"{model.__name__} is both {seen[model]} and {kind}"
            seen[model] = kind
    automatic_through = {
        m for m in apps.get_models(include_auto_created=True) if m._meta.auto_created
    }
    missing = [
        f"{m._meta.app_label}.{m.__name__}"
        for m in apps.get_models()
        if m not in seen and m not in automatic_through
    ]
    assert not missing, f"classify these in reporting/cache.py: {missing}"
