from django.db import models

from accounts import crypto


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code only ever sees the plaintext.

    Serialized copies (dumpdata, fixtures) carry the ciphertext too, so a backup made through
    Django leaks no more than the database itself.
    """

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else value

    def value_to_string(self, obj):
        return crypto.encrypt(self.value_from_object(obj) or "")

    def to_python(self, value):
        # loaddata hands back what value_to_string wrote.
        if isinstance(value, str) and value:
            return crypto.decrypt_if_token(value)
        return value
