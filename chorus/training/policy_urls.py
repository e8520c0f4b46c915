from django.urls import URLPattern, path

from chorus.training.views import policy

urlpatterns: list[URLPattern] = [
    path("manage/training/policy/", policy.training_policy, name="training_policy"),
    path(
        "manage/training/policy/template/",
        policy.training_policy_template,
        name="training_policy_template",
    ),
    path(
        "manage/training/policy/publish/",
        policy.training_policy_publish,
        name="training_policy_publish",
    ),
    path(
        "manage/training/policy/sharing/",
        policy.training_policy_sharing,
        name="training_policy_sharing",
    ),
    path(
        "manage/training/policy/acknowledgements/",
        policy.training_policy_acknowledgements,
        name="training_policy_acknowledgements",
    ),
    path(
        "manage/training/policy/acknowledgements/export/",
        policy.training_policy_export,
        name="training_policy_export",
    ),
    path("policy/", policy.policy, name="policy"),
    path("policy/acknowledge/", policy.policy_acknowledge, name="policy_acknowledge"),
    path(
        "policy/versions/<int:policy_version_id>/",
        policy.policy_version,
        name="policy_version",
    ),
]
