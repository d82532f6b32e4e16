"""The three role groups; the earlier single "team" group becomes "staff"."""

from django.db import migrations

ROLE_GROUPS = ("owners", "managers", "staff")


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    old = Group.objects.filter(name="team").first()
    if old is not None:
        staff = Group.objects.get(name="staff")
        for user in old.user_set.all():
            user.groups.add(staff)
        old.delete()


def restore_team_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    team, _ = Group.objects.get_or_create(name="team")
    for name in ("managers", "staff"):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            for user in group.user_set.all():
                user.groups.add(team)
            group.delete()


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_role_groups, restore_team_group)]
