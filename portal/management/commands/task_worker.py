"""`manage.py task_worker`: django-tasks-db's `db_worker` that first runs again what a dead
worker left half done and queues every periodic job not planned (portal/worker.py). Takes the
same options."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from portal.worker import ensure_schedule, new_worker_id, recover_orphaned_tasks


class Command(DatabaseWorker):
    help = (
        "Run the task worker, after putting the tasks of dead workers back in the queue and"
        " queueing the periodic jobs"
    )

    def handle(self, *args, **options) -> None:
        recovered = recover_orphaned_tasks()
        if recovered:
            self.stderr.write(f"{recovered} task(s) of a stopped worker queued again")
        for path in ensure_schedule():
            self.stderr.write(f"periodic job {path} queued")
        options["worker_id"] = new_worker_id()
        super().handle(*args, **options)
