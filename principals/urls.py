from django.urls import path

from . import views

app_name = "principals"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.principal_detail, name="principal-detail"),
]
