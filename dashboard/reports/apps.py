from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Client reports as an app of their own, inside dashboard/.

    An app rather than models in dashboard/models.py: the reports' tables, migrations and admin
    come and go together (share links, schedules and the send log will follow), and the cache's
    migrations stay about the cache. The label "reports" names the tables reports_*.
    """

    name = "dashboard.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"
