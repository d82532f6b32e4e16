from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from .views import (
    dashboard,
    duplicates,
    imports,
    insight,
    offerings,
    outreach,
    parties,
    public,
    team,
    today,
)

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("", dashboard.dashboard, name="dashboard"),
    path("parties/", parties.party_list, name="parties"),
    path("parties/<int:pk>/", parties.party_detail, name="party"),
    path("parties/<int:pk>/relationship/", parties.party_relationship, name="party_relationship"),
    path("at-risk/", insight.at_risk, name="at_risk"),
    path("candidates/", insight.candidates, name="candidates"),
    path("duplicates/", duplicates.duplicates, name="duplicates"),
    path("duplicates/<int:first>/<int:second>/", duplicates.compare, name="duplicate_compare"),
    path("duplicates/merge/", duplicates.merge, name="merge"),
    path("duplicates/dismiss/", duplicates.dismiss, name="dismiss_duplicate"),
    path("merges/<int:pk>/undo/", duplicates.undo_merge, name="undo_merge"),
    path("imports/", imports.import_page, name="import"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/resume/", imports.import_resume, name="import_resume"),
    path("imports/<int:pk>/undo/", imports.import_undo, name="import_undo"),
    path("imports/<int:pk>/give/", imports.import_give_orders, name="import_give"),
    path("imports/<int:pk>/columns/", imports.import_with_columns, name="import_columns"),
    path("imports/<int:pk>/rejected.csv", imports.import_errors_csv, name="import_errors"),
    path("offerings/", offerings.offering_list, name="offerings"),
    path("offerings/<int:pk>/kind/", offerings.offering_kind, name="offering_kind"),
    path("team/", team.team, name="team"),
    path("team/<int:pk>/", team.member_change, name="member_change"),
    path("team/<int:pk>/active/", team.member_active, name="member_active"),
    path("today/", today.today, name="today"),
    path("tasks/<int:pk>/done/", today.task_done, name="task_done"),
    path("tasks/<int:pk>/snooze/", today.task_snooze, name="task_snooze"),
    path("outreach/", outreach.outreach_home, name="outreach"),
    path("outreach/segments/new/", outreach.segment_edit, name="segment_new"),
    path("outreach/segments/<int:pk>/", outreach.segment_edit, name="segment"),
    path("outreach/templates/new/", outreach.template_edit, name="template_new"),
    path("outreach/templates/<int:pk>/", outreach.template_edit, name="template"),
    path("outreach/campaigns/new/", outreach.campaign_new, name="campaign_new"),
    path("outreach/campaigns/<int:pk>/", outreach.campaign_detail, name="campaign"),
    path("outreach/campaigns/<int:pk>/test/", outreach.campaign_test, name="campaign_test"),
    path("outreach/campaigns/<int:pk>/launch/", outreach.campaign_launch, name="campaign_launch"),
    # Reached from messages by people without an account (signed links).
    path("u/<str:token>/", public.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", public.preferences, name="preferences"),
    path("confirm/<str:token>/", public.confirm_subscription, name="confirm_subscription"),
    # Bounces and complaints from an email provider (django-anymail's tracking webhooks).
    path("webhooks/email/<str:provider>/", public.email_webhook, name="email_webhook"),
]
