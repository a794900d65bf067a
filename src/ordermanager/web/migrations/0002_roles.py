"""The Operator and Manager groups with their permissions (see ordermanager.web.permissions.ROLES)."""

from django.db import migrations

ROLES = {
    "Operator": ("work_orders", "work_stack"),
    "Manager": ("work_orders", "work_stack", "manage_settings", "manage_carts", "manage_users"),
}
NAMES = {
    "work_orders": "Work orders (approve, hold, ship, cancel, fire events, notes)",
    "work_stack": "Retry and clear stack records",
    "manage_settings": "Change system parameters, status events, lists and run the setup wizard",
    "manage_carts": "Create and edit shopping carts and their carrier mapping",
    "manage_users": "Manage users",
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them here so the groups can hold them.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="web", model="webaccess")
    perms = {
        codename: Permission.objects.get_or_create(content_type=content_type, codename=codename, defaults={"name": name})[0]
        for codename, name in NAMES.items()
    }
    for group_name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*(perms[c] for c in codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
