"""Seal the history rows and security events written before seals existed, oldest first, each table one chain."""

from django.db import migrations

from audit.sealing import seal_rows

CHUNK = 2000


def seal_existing(apps, schema_editor):
    chain_model = apps.get_model("audit", "AuditChain")
    schema_model = apps.get_model("audit", "AuditSchema")
    using = schema_editor.connection.alias
    for model in apps.get_models():
        names = {field.name for field in model._meta.concrete_fields}
        if not {"seal_seq", "seal"} <= names:
            continue
        departments = getattr(model, "departments", None) if model._meta.label == "users.SecurityEvent" else None
        while True:
            rows = list(model.objects.using(using).filter(seal_seq__isnull=True).order_by("pk")[:CHUNK])
            if not rows:
                break
            extras = None
            if departments is not None:
                pairs = departments.through.objects.using(using).filter(securityevent_id__in=[row.pk for row in rows])
                found = {row.pk: [] for row in rows}
                for event_id, department_id in pairs.order_by("department_id").values_list(
                    "securityevent_id", "department_id"
                ):
                    found[event_id].append(department_id)
                extras = [{"departments": found[row.pk]} for row in rows]
            seal_rows(
                model, rows, extras=extras or [{} for _ in rows], using=using,
                chain_model=chain_model, schema_model=schema_model,
            )  # fmt: skip
            model.objects.using(using).bulk_update(rows, ["seal_seq", "seal"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("agencies", "0004_seals"),
        ("coordination", "0015_seals"),
        ("users", "0006_seals"),
    ]

    operations = [migrations.RunPython(seal_existing, migrations.RunPython.noop)]
