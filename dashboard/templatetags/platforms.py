from django import template

from dashboard.metrics import network_name as name_of

register = template.Library()


@register.filter
def platform_name(code):
    return name_of(code)
