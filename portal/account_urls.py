from django.contrib.auth import views as auth_views
from django.urls import path

from . import account_views as views

urlpatterns = [
    path("logga-in/", views.LoginView.as_view(), name="login"),
    path("logga-ut/", views.LogoutView.as_view(), name="logout"),
    path("losenord/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "losenord/klart/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("aterstall/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "aterstall/skickat/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "aterstall/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "aterstall/klart/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("tvastegs/", views.TwoFactorView.as_view(), name="twofactor"),
    path("tvastegs/aktivera/", views.TwoFactorSetupView.as_view(), name="twofactor-setup"),
    path("tvastegs/e-post/", views.TwoFactorEmailView.as_view(), name="twofactor-email"),
    path("tvastegs/forlorad/", views.TwoFactorRecoverView.as_view(), name="twofactor-recover"),
    path("tvastegs/verifiera/", views.TwoFactorVerifyView.as_view(), name="twofactor-verify"),
    path("tvastegs/stang-av/", views.TwoFactorDisableView.as_view(), name="twofactor-disable"),
]
