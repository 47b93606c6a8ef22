"""Ground truth for integration tests: every post and social id the sandbox holds for a profile.

Rows are the profile's Ayrshare posts (index order, deleted ones included, each with the social
ids it got on the networks it reached) followed by the posts made outside Ayrshare, network by
network. The list is paged with offset/limit so a million-post profile never builds it whole.
Extra tweets of a thread are not listed (only the thread's first tweet has a postIds entry).
"""

from .clock import iso
from .world import Post, World


def expected(world: World, p: int | None, at: float, offset: int, limit: int) -> dict:
    if p is None:
        return {"profile": None, "asOf": iso(at), "total": 0, "offset": offset, "items": []}
    profile = world.profiles[p]
    outside = {
        platform: world.outside_last_index(p, platform, at) + 1 for platform in profile.platforms
    }
    total = world.n_posts + sum(outside.values())
    rows = []
    for position in range(offset, min(total, offset + limit)):
        if position < world.n_posts:
            rows.append(_post_row(world, world.post(p, position), at))
        else:
            rows.append(_outside_row(world, p, outside, position - world.n_posts))
    return {
        "profile": p,
        "asOf": iso(at),
        "total": total,
        "ayrsharePosts": world.n_posts,
        "outsidePosts": outside,
        "offset": offset,
        "items": rows,
    }


def _post_row(world: World, post: Post, at: float) -> dict:
    social_ids = []
    for platform in post.platforms:
        if post.sent_to(platform, at):
            network = world.network_post(post, platform)
            social_ids.append(
                {"platform": platform, "id": network.social_id, "live": post.live_on(platform, at)}
            )
    return {
        "kind": "ayrshare",
        "id": post.id,
        "status": post.status_at(at),
        "type": post.type,
        "scheduleDate": iso(post.schedule, millis=False),
        "platforms": list(post.platforms),
        "socialIds": social_ids,
    }


def _outside_row(world: World, p: int, outside: dict, position: int) -> dict:
    for platform, count in outside.items():
        if position < count:
            item = world.outside_post(p, platform, position)
            return {
                "kind": "outside",
                "platform": platform,
                "id": item.social_id,
                "created": iso(item.created, millis=False),
                "pagePublished": item.variant != "visitor",
            }
        position -= count
    raise IndexError(position)
