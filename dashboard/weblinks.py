"""Addresses from the API that the pages turn into links or pictures."""


def web_url(url):
    """The address if it is a web address (http or https), else "": a javascript: or data: URL
    from an API answer is shown as text, never followed."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""
