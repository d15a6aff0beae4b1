"""Metrics exporters (docs/spec.md section 8.2), each behind its extra: ``prometheus``, ``otel``.

Each is a hook recording through :func:`connguard.metrics.record`; installed
extras are picked as the default hooks (:mod:`connguard.events`).
"""
