from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from patron.api.v1 import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("patron.web.urls")),
]

handler403 = "patron.web.views.errors.forbidden"
handler404 = "patron.web.views.errors.not_found"
handler500 = "patron.web.views.errors.server_error"
