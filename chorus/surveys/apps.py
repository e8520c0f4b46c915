from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "chorus.surveys"
    label = "surveys"
    verbose_name = "Surveys"
