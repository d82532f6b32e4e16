from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from . import insight_views, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("", views.dashboard, name="dashboard"),
    path("parties/", views.party_list, name="parties"),
    path("parties/<int:pk>/", views.party_detail, name="party"),
    path("parties/<int:pk>/relationship/", views.party_relationship, name="party_relationship"),
    path("at-risk/", insight_views.at_risk, name="at_risk"),
    path("candidates/", insight_views.candidates, name="candidates"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/merge/", views.merge, name="merge"),
    path("imports/", views.import_page, name="import"),
    path("imports/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/rejected.csv", views.import_errors_csv, name="import_errors"),
]
