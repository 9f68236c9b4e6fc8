from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0012_signup_encrypted"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='signup',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['bevestigd', 'wachtlijst'])), fields=('group', 'email_digest'), name='one_signup_per_address_digest'),
        ),
    ]
