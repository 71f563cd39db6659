from django.db import migrations, models
from django.db.models import Max, Min


def first_entries(apps, schema_editor):
    """Each list's first entry id: its smallest entry's, or for a list without one, the next id."""
    StatusList = apps.get_model("credentials_plugin", "StatusList")
    SignedCredential = apps.get_model("credentials_plugin", "SignedCredential")
    next_id = (SignedCredential.objects.aggregate(largest=Max("id"))["largest"] or 0) + 1
    smallest = dict(
        SignedCredential.objects.values("status_list_id").annotate(first=Min("id")).values_list("status_list_id", "first")
    )
    for status_list in StatusList.objects.all():
        status_list.first_entry_id = smallest.get(status_list.pk, next_id)
        status_list.save(update_fields=["first_entry_id"])


class Migration(migrations.Migration):

    dependencies = [
        ('credentials_plugin', '0013_organization_seal'),
    ]

    operations = [
        migrations.AddField(
            model_name='statuslist',
            name='first_entry_id',
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(first_entries, migrations.RunPython.noop),
    ]
