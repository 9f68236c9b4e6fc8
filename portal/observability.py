"""Logs and metrics an operator can trust, holding nothing personal.

Logs: one JSON object a line (JsonFormatter), each with the request id of the request it
belongs to. A request is logged once, by RequestLog: method, view name, status and duration;
never its path (private links carry tokens in the path) or query string (search terms), its
form content or its cookies. Django's own request warnings ("Not Found: /afspraak/beheer/<token>")
are logged without their path.

Metrics (Prometheus, `prometheus-client`): requests and latency per view name, counted in the
process that served them. Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR to an
empty folder, the same for every worker (and emptied at each start): each process then writes its
counters to files there and /metrics adds them up (docs/operations.md, Monitoring). Without it, each
worker counts only its own requests and a scrape sees one worker's numbers. The gauges (e-mail,
tasks, heartbeat, holds, waiting bookings) are read from the database at each scrape, so they are
right with any number of processes.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
import hmac
import ipaddress
import json
import logging
import os
import re
import time
import traceback
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "houvast_http_requests",
    "Requests answered, per view name, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "houvast_http_request_duration_seconds",
    "Time to answer a request, per view name.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
request_logger = logging.getLogger("houvast.request")


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "unnamed"
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class RequestLog:
    """Outermost middleware: gives each request an id, logs it once, counts it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            view = view_name(request)
            method = request.method if request.method in METHODS else "other"
            REQUESTS.labels(view, method, str(response.status_code)).inc()
            LATENCY.labels(view).observe(duration)
            request_logger.info(
                "request",
                extra={
                    "method": method,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                },
            )
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_id_var.reset(token)


# Loggers whose messages hold the request's path or a header.
PATH_LOGGERS = ("django.request", "django.security", "django.server")
FIELDS = ("method", "view", "status", "duration_ms", "status_code")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if record.name.startswith(PATH_LOGGERS):
            # "Not Found: /afspraak/beheer/<token>/": the path may be a private link.
            match = getattr(getattr(record, "request", None), "resolver_match", None)
            message = f"{record.levelname.lower()} response"
            view = match.view_name if match else "unmatched"
        else:
            message, view = record.getMessage(), None
        entry: dict[str, object] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        if request_id := request_id_var.get():
            entry["request_id"] = request_id
        for field in FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if view is not None:
            entry["view"] = view
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


# -- the metrics endpoint -------------------------------------------------------------------------


@functools.cache
def database_registry() -> CollectorRegistry:
    """The apps' gauges read from the database at each scrape (METRICS_COLLECTORS): right with
    any number of processes. Made at the first scrape, so no database query happens earlier."""
    registry = CollectorRegistry(auto_describe=False)
    for path in settings.METRICS_COLLECTORS:
        registry.register(import_string(path)())
    return registry


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in settings.METRICS_ALLOWED_IPS]


def metrics_allowed(request: HttpRequest) -> bool:
    """With the bearer token, or straight from an allowed address (not through a proxy: behind
    one, every request comes from the proxy's address)."""
    if settings.METRICS_TOKEN:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(
            given.removeprefix("Bearer ").encode(), settings.METRICS_TOKEN.encode()
        ):
            return True
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks())


def metrics_text() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(database_registry())


__all__ = ["CONTENT_TYPE_LATEST", "JsonFormatter", "RequestLog", "metrics_allowed", "metrics_text"]
