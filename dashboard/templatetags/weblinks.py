from django import template

from dashboard.weblinks import web_url as checked

register = template.Library()


@register.filter
def web_url(url):
    """{{ post.url|web_url }}: the address if it is http(s), else "" (shown as text, not a link)."""
    return checked(url)
