"""A per-client-address request limit for the public pages without login (/verify/, /chaxun/): a fixed
one-minute window counted in the cache, so codes cannot be tried in bulk."""

import time

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or with NUM_PROXIES trusted proxies in front the address the
    outermost of them saw (the same rule as the API throttle's)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.NUM_PROXIES and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(settings.NUM_PROXIES, len(addresses))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limited(request, *, scope: str, per_minute: int) -> bool:
    """True once this address has made more than `per_minute` requests of `scope` in the current minute
    (the cache is shared by all web processes in production)."""
    key = f"{scope}.rate.{client_address(request)}.{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > per_minute
