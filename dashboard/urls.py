from django.contrib import admin
from django.urls import include, path

from dashboard import views

urlpatterns = [
    path("", views.start, name="start"),
    path("w/<slug:workspace>/", views.home, name="home"),
    path("", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
