from django.urls import path

from . import views

app_name = "principals"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.principal_list, name="principal-list"),
    path("register/export.csv", views.principal_export, name="principal-export"),
    path("<int:pk>/", views.principal_detail, name="principal-detail"),
    path("<int:pk>/kontaktuppgifter/", views.principal_update, name="principal-update"),
    path("<int:pk>/bjud-in/", views.invitation_create, name="invitation-create"),
    path("inbjudningar/<int:pk>/skicka-igen/", views.invitation_resend, name="invitation-resend"),
    path("inbjudningar/<int:pk>/aterkalla/", views.invitation_revoke, name="invitation-revoke"),
    path("medlemmar/<int:pk>/ta-bort/", views.membership_delete, name="membership-delete"),
    path("inbjudan/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("import/", views.import_upload, name="import-upload"),
    path("import/<uuid:pk>/", views.import_detail, name="import-detail"),
    path("import/<uuid:pk>/genomfor/", views.import_apply, name="import-apply"),
]
