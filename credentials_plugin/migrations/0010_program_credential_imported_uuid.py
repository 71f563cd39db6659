# The uuid a program credential had in the `credentials` service, kept when it is imported;
# and the audit trail's "imported" action.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('credentials_plugin', '0009_lms_takeover'),
    ]

    operations = [
        migrations.AddField(
            model_name='programcredential',
            name='imported_uuid',
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name='auditrecord',
            name='action',
            field=models.CharField(choices=[('created', 'Created'), ('status_changed', 'Status changed'), ('revoked', 'Revoked'), ('reinstated', 'Reinstated'), ('regenerated', 'Regenerated'), ('grade_recorded', 'Grade recorded'), ('creation_refused', 'Creation refused'), ('allowlisted', 'Allowlisted'), ('unallowlisted', 'Removed from the allowlist'), ('configured', 'Configuration changed'), ('learner_retired', 'Learner retired'), ('imported', 'Imported')], max_length=32),
        ),
    ]
