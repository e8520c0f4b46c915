from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "chorus.gamification"
    label = "gamification"
    verbose_name = "Gamification"
