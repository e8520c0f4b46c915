from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "chorus.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django_tasks.signals import task_enqueued, task_finished, task_started

        from chorus.operations import task_logs

        task_enqueued.connect(task_logs.task_enqueued, dispatch_uid="chorus.task_enqueued")
        task_started.connect(task_logs.task_started, dispatch_uid="chorus.task_started")
        task_finished.connect(task_logs.task_finished, dispatch_uid="chorus.task_finished")
