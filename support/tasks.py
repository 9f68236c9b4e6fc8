"""Background tasks, worked by `manage.py db_worker`. Arguments carry ids only: task rows are
stored in plain text."""

from django.tasks import task

from support import services


@task
def send_email(email_id: int) -> None:
    services.email_deliver(email_id=email_id)
