"""Thin Celery tasks of the accounts app: password-reset mail, sent outside the request."""

import logging

from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm

logger = logging.getLogger(__name__)

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
EMAIL_TEMPLATE = "registration/password_reset_email.txt"


@shared_task
def send_password_reset(email, domain, use_https):
    """Mail a reset link to every active account with this address (Django's rules), if any.

    Looking the accounts up here, not in the request, is the point: the page answers in the
    same time whether or not an account has the address. A mail server that refuses the mail
    is logged by Django's form (it does not raise), so there is nothing to retry here.
    """
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        logger.warning("Password reset: not an email address, nothing sent")
        return
    form.save(
        domain_override=domain,
        use_https=use_https,
        subject_template_name=SUBJECT_TEMPLATE,
        email_template_name=EMAIL_TEMPLATE,
    )
