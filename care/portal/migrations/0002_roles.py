"""The three roles as groups with their permissions (docs/portal.md)."""

from django.db import migrations

ROLES = {
    "social worker": ["set_up_couple", "view_all_couples", "manage_devices"],
    "caseworker": ["read_report"],
    "administrator": ["set_up_couple", "view_all_couples", "manage_devices", "read_report"],
}


def make_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app in apps.get_app_configs():
        app.models_module = True
        create_permissions(app, apps=apps, verbosity=0)
        app.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="portal",
                                                        codename__in=codes))


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
