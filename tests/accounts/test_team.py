"""The Team page: an owner adds people, sets roles and names, deactivates; nobody else can."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.urls import reverse

from patron.accounts import roles
from patron.accounts.services import TeamChangeRefused, do_set_active
from patron.cli import main

pytestmark = pytest.mark.django_db


def test_an_owner_adds_a_member_with_a_password_shown_once(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("team"),
        {"username": "jiwoo", "display_name": "지우", "role": "manager", "password": ""},
        follow=True,
    )
    added = User.objects.get(username="jiwoo")
    assert roles.role_of(added) == roles.Role.MANAGER and added.first_name == "지우"
    flash = response.content.decode()
    assert "shown only this once" in flash
    # Kept in the session on the server, never in a cookie the browser holds readable.
    assert all("once" not in cookie.value for cookie in response.client.cookies.values())
    assert "messages" not in response.client.cookies
    assert LogEntry.objects.filter(object_id=str(added.pk), user=owner).exists()
    page = client.get(reverse("team")).content.decode()
    assert "shown only this once" not in page


def test_a_weak_password_or_taken_username_is_explained(client, owner, teammate):
    client.force_login(owner)
    weak = client.post(
        reverse("team"), {"username": "x1", "display_name": "", "role": "staff", "password": "123"}
    )
    assert weak.status_code == 400 and "too weak" in weak.content.decode()
    assert weak.content.decode().count("too weak") == 1  # said once, not twice
    taken = client.post(
        reverse("team"), {"username": "TOM", "display_name": "", "role": "staff", "password": ""}
    )
    assert taken.status_code == 400 and "already has the username" in taken.content.decode()


def test_a_username_with_spaces_or_punctuation_is_refused_and_hangul_is_not(client, owner):
    client.force_login(owner)
    for odd in ("김사장 님!", "kim sajang", "kim<b>"):
        answer = client.post(
            reverse("team"), {"username": odd, "display_name": "", "role": "staff", "password": ""}
        )
        assert answer.status_code == 400 and "no spaces" in answer.content.decode()
    assert not User.objects.filter(username__in=["김사장 님!", "kim sajang", "kim<b>"]).exists()
    client.post(
        reverse("team"), {"username": "김사장", "display_name": "", "role": "staff", "password": ""}
    )
    assert User.objects.filter(username="김사장").exists()


def test_an_owner_changes_a_role_and_deactivates(client, owner, teammate):
    client.force_login(owner)
    prefix = f"m{teammate.pk}"
    client.post(
        reverse("member_change", args=[teammate.pk]),
        {f"{prefix}-display_name": "Tom K", f"{prefix}-role": "manager"},
    )
    teammate.refresh_from_db()
    assert teammate.first_name == "Tom K" and roles.role_of(teammate) == roles.Role.MANAGER
    client.post(reverse("member_active", args=[teammate.pk]), {"active": "0"})
    teammate.refresh_from_db()
    assert not teammate.is_active
    client.logout()
    response = client.post(
        reverse("login"), {"username": "tom", "password": "teammate-password-123"}
    )
    assert response.status_code == 200  # the form again: a deactivated person cannot log in


def test_the_last_owner_and_oneself_are_protected(owner, manager):
    with pytest.raises(TeamChangeRefused, match="own account"):
        do_set_active(owner, active=False, actor=owner)
    with pytest.raises(TeamChangeRefused, match="at least one active owner"):
        do_set_active(owner, active=False, actor=manager)


def test_nobody_but_an_owner_opens_the_team_page(client, manager, teammate, outsider):
    for user in (manager, teammate, outsider):
        client.force_login(user)
        assert client.get(reverse("team")).status_code == 403
        response = client.post(
            reverse("team"), {"username": "sneaky", "role": "owner", "password": ""}
        )
        assert response.status_code == 403
    assert not User.objects.filter(username="sneaky").exists()


def test_a_deactivated_manager_leaves_the_choice_of_account_managers(client, owner, manager):
    from patron.accounts.services import account_managers

    assert manager in account_managers()
    do_set_active(manager, active=False, actor=owner)
    assert manager not in account_managers()


def test_setup_without_demo_makes_no_login_until_told(monkeypatch, capsys):
    monkeypatch.delenv("PATRON_OWNER_USERNAME", raising=False)
    assert main(["setup"]) == 0
    assert not User.objects.exists()
    assert "no owner yet" in capsys.readouterr().err
    monkeypatch.setenv("PATRON_OWNER_USERNAME", "boss")
    monkeypatch.setenv("PATRON_OWNER_PASSWORD", "a-long-boss-password")
    assert main(["setup"]) == 0
    boss = User.objects.get(username="boss")
    assert roles.role_of(boss) == roles.Role.OWNER
    boss.set_password("changed-by-the-boss-1")
    boss.save()
    monkeypatch.setenv("PATRON_OWNER_PASSWORD", "another-password-123")
    assert main(["setup"]) == 0
    boss.refresh_from_db()
    assert boss.check_password("changed-by-the-boss-1")  # setup never resets a password


def test_the_demo_login_is_never_reset(settings, tmp_path):
    from patron.accounts.services import ensure_demo_login

    settings.DATA_DIR = tmp_path
    username, password = ensure_demo_login()
    assert ensure_demo_login() == (username, password)
    (tmp_path / "demo_login.txt").unlink()
    with pytest.raises(TeamChangeRefused, match="never resets a password"):
        ensure_demo_login()
    assert User.objects.get(username=username).check_password(password)
