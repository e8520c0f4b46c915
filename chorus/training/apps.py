from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "chorus.training"
    label = "training"
    verbose_name = "Training"
