from django.contrib import admin
from django.urls import include, path

from accounts import signin
from dashboard import views

urlpatterns = [
    path("", views.start, name="start"),
    path("w/<slug:workspace>/", views.home, name="home"),
    path("", include("accounts.urls")),
    path("admin/login/", signin.admin_login),
    path("admin/", admin.site.urls),
]
