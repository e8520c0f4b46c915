from django.urls import URLPattern, path

from chorus.training.views import certification

urlpatterns: list[URLPattern] = [
    # Trainers
    path(
        "manage/training/certifications/",
        certification.training_certifications,
        name="training_certifications",
    ),
    path(
        "manage/training/certifications/new/",
        certification.training_certification_new,
        name="training_certification_new",
    ),
    path(
        "manage/training/certifications/<int:certification_id>/",
        certification.training_certification,
        name="training_certification",
    ),
    path(
        "manage/training/certifications/<int:certification_id>/edit/",
        certification.training_certification_edit,
        name="training_certification_edit",
    ),
    path(
        "manage/training/certificates/<int:certificate_id>/revoke/",
        certification.training_certificate_revoke,
        name="training_certificate_revoke",
    ),
    # Members
    path("learning/certificates/", certification.my_certificates, name="my_certificates"),
    path(
        "certificates/<str:certificate_code>/",
        certification.certificate_detail,
        name="certificate_detail",
    ),
]
