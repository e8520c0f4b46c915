from django.apps import AppConfig


class ReachConfig(AppConfig):
    name = "chorus.reach"
    label = "reach"
    verbose_name = "Reach"

    def ready(self) -> None:
        from chorus.notifications.services.delivery import register_composer
        from chorus.reach.services import composers

        register_composer("digest", composers.digest_compose)
        register_composer("post_of_the_day", composers.post_of_the_day_compose)
        register_composer("announcement", composers.announcement_compose)
        register_composer("new_post", composers.new_post_compose)
        register_composer("nudge", composers.nudge_compose)
