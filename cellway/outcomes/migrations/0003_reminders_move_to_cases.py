# Follow-up reminders move to the one reminder mechanism of the spine (cases.Reminder).

from django.db import migrations


def move_reminders_to_cases(apps, schema_editor):
    FollowUpReminder = apps.get_model("outcomes", "FollowUpReminder")
    Reminder = apps.get_model("cases", "Reminder")
    rows = [
        Reminder(
            case_id=old.assessment.case_id,
            what=f"follow_up:{old.assessment.months_after}",
            due_on=old.assessment.due_on,
            days_ahead=old.days_ahead,
            sent_on=old.sent_on,
        )
        for old in FollowUpReminder.objects.select_related("assessment").iterator()
    ]
    Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


def move_reminders_back(apps, schema_editor):
    FollowUpAssessment = apps.get_model("outcomes", "FollowUpAssessment")
    FollowUpReminder = apps.get_model("outcomes", "FollowUpReminder")
    Reminder = apps.get_model("cases", "Reminder")
    for reminder in Reminder.objects.filter(what__startswith="follow_up:").iterator():
        months = int(reminder.what.split(":", 1)[1])
        assessment = FollowUpAssessment.objects.filter(case_id=reminder.case_id, months_after=months).first()
        if assessment is not None:
            FollowUpReminder.objects.get_or_create(
                assessment=assessment, days_ahead=reminder.days_ahead, defaults={"sent_on": reminder.sent_on}
            )
    Reminder.objects.filter(what__startswith="follow_up:").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_reminder'),
        ('outcomes', '0002_visits_relapses_mri'),
    ]

    operations = [
        migrations.RunPython(move_reminders_to_cases, move_reminders_back),
        migrations.RemoveConstraint(
            model_name='followupreminder',
            name='one_reminder_per_lead_time',
        ),
        migrations.DeleteModel(
            name='FollowUpReminder',
        ),
    ]
