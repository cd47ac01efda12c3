"""RQ job functions: they take ids, re-load what they need and call services. Only the worker imports them."""
