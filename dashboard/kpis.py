"""Overview KPIs: totals of network posts published in a period, read from the cache only.

Totals are lifetime totals of the posts published in the period. A metric a post did not
report (None) is left out of the sum, and the coverage count says how many posts reported it.
"""

import datetime

from django.db.models import Count, Q, Sum

from dashboard.models import PlatformPost

KPI_METRICS = ("impressions", "reach", "views", "engagements")
# Below this a percentage change says more about noise than about performance.
MIN_BASELINE_VALUE = 10
MIN_BASELINE_POSTS = 3


def period_posts(profiles, first_day, last_day):
    """Network posts (placeholders excluded) published between two local dates, inclusive."""
    return PlatformPost.objects.filter(
        profile__in=profiles,
        published_at__date__gte=first_day,
        published_at__date__lte=last_day,
    ).exclude(social_id__startswith="ayrshare:")


def previous_period(first_day, last_day):
    """The period of equal length that ends the day before `first_day`."""
    length = (last_day - first_day).days + 1
    return first_day - datetime.timedelta(days=length), first_day - datetime.timedelta(days=1)


def totals(profiles, first_day, last_day):
    """One aggregate query: post count, and per metric its sum and how many posts reported it."""
    aggregates = {"posts": Count("pk")}
    for metric in KPI_METRICS:
        # Aliased: an alias equal to a field name would shadow the field in the filters below.
        aggregates[f"sum_{metric}"] = Sum(metric)
        aggregates[f"{metric}_reported"] = Count("pk", filter=Q(**{f"{metric}__isnull": False}))
    both = Q(engagements__isnull=False, impressions__isnull=False)
    aggregates["rate_engagements"] = Sum("engagements", filter=both)
    aggregates["rate_impressions"] = Sum("impressions", filter=both)
    result = period_posts(profiles, first_day, last_day).aggregate(**aggregates)
    for metric in KPI_METRICS:
        result[metric] = result.pop(f"sum_{metric}")
    rate_base = result.pop("rate_impressions")
    rate_top = result.pop("rate_engagements")
    # Rate = engagements ÷ impressions over posts that report both; None when nothing to divide.
    result["engagement_rate"] = rate_top / rate_base if rate_base else None
    return result


def change_percent(current, previous, previous_posts):
    """Change in % against the previous period, or None when the baseline is too small."""
    if current is None or previous is None:
        return None
    if previous < MIN_BASELINE_VALUE or previous_posts < MIN_BASELINE_POSTS:
        return None
    return (current - previous) / previous * 100
