"""The portal has no models: the page versions live in the cache (portal/pagecache.py)."""
