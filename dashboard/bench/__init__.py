"""`manage.py bench`: agency-scale measurements, each beside its baseline from the same run."""
