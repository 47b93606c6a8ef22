"""Re-encrypt every stored key with the first key of FIELD_ENCRYPTION_KEY.

Procedure (README, "Rotating FIELD_ENCRYPTION_KEY"): set FIELD_ENCRYPTION_KEY="NEW,OLD", run this
command, then set FIELD_ENCRYPTION_KEY="NEW". MultiFernet decrypts with any listed key and
encrypts with the first, so loading a row and writing its keys back is the whole rotation.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Profile, Workspace

SECRETS = (
    (Workspace, ("api_key", "x_api_key", "x_api_secret")),
    (Profile, ("profile_key",)),
)


class Command(BaseCommand):
    help = (
        "Re-encrypt every workspace key and Profile-Key with the first key of "
        'FIELD_ENCRYPTION_KEY (set it to "NEW,OLD" first, then to "NEW" afterwards).'
    )

    def handle(self, *args, **options):
        keys = [k for k in settings.FIELD_ENCRYPTION_KEY.split(",") if k.strip()]
        try:
            with transaction.atomic():
                counts = [(model, self.rotate(model, fields)) for model, fields in SECRETS]
        except ImproperlyConfigured as exc:
            # Nothing was written: the transaction rolled back.
            raise CommandError(
                f"{exc} Put the new key first and every old key after it, comma separated. "
                "Nothing was changed."
            ) from None
        for model, (rows, values) in counts:
            name = model._meta.verbose_name_plural
            self.stdout.write(f"Re-encrypted {values} key(s) in {rows} {name}.")
        if len(keys) < 2:
            self.stdout.write(
                "FIELD_ENCRYPTION_KEY holds one key, so the keys were re-encrypted with it. To "
                'rotate, set FIELD_ENCRYPTION_KEY="NEWKEY,OLDKEY" and run this again.'
            )
        else:
            self.stdout.write(
                "Done. Now set FIELD_ENCRYPTION_KEY to the new key alone and restart the web "
                "and worker processes."
            )

    def rotate(self, model, fields):
        """(rows changed, keys re-encrypted); reading a row decrypts it with any listed key."""
        rows = values = 0
        # A list, not iterator(): SQLite gives no isolation between a cursor and our updates.
        for obj in list(model.objects.only("pk", *fields).order_by("pk")):
            stored = {field: getattr(obj, field) for field in fields if getattr(obj, field)}
            if not stored:
                continue
            # update() sends each value through the field, which encrypts with the first key.
            model.objects.filter(pk=obj.pk).update(**stored)
            rows += 1
            values += len(stored)
        return rows, values
