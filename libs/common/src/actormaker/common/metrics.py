"""Every Prometheus metric the services export, named once (docs/deploy.md says what to alert on).

Workers count what they settle and what they ask of providers; the gateway counts jobs as they
finish (once each, however many replicas run), HTTP requests and SSE clients.
"""

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

# Seconds: from a fast S3 copy to a GPU job of an hour.
_WORK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

WORKER_ITEMS = Counter(
    "actormaker_worker_items",
    "Item deliveries a worker settled, by outcome (succeeded, failed, cancelled, retrying)",
    ["service", "command", "outcome"],
)
WORKER_ITEM_SECONDS = Histogram(
    "actormaker_worker_item_duration_seconds",
    "How long a worker took over one delivery of an item",
    ["service", "command", "outcome"],
    buckets=_WORK_BUCKETS,
)
REDELIVERIES = Counter(
    "actormaker_redeliveries", "Commands delivered more than once (a retry or a crash)", ["service"]
)
CONSUMER_PENDING = Gauge(
    "actormaker_consumer_pending",
    "Messages waiting for a durable consumer (a worker service, the projector), read at scrape",
    ["consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "actormaker_consumer_ack_pending",
    "Messages delivered to a durable consumer and not yet settled, read at scrape",
    ["consumer"],
)

PROVIDER_REQUESTS = Counter(
    "actormaker_provider_requests",
    "HTTP requests sent to a provider, by the answer's status (or 'error' when none came)",
    ["provider", "status"],
)
PROVIDER_RETRIES = Counter(
    "actormaker_provider_retries",
    "Provider requests sent again, by reason: 429, 5xx or connection",
    ["provider", "reason"],
)
PROVIDER_SECONDS = Histogram(
    "actormaker_provider_request_duration_seconds",
    "One provider HTTP request, one attempt",
    ["provider"],
    buckets=_HTTP_BUCKETS,
)

JOBS_ACCEPTED = Counter("actormaker_jobs_accepted", "Jobs accepted by the API", ["kind"])
JOBS_FINISHED = Counter(
    "actormaker_jobs", "Jobs that finished, by final status", ["kind", "status"]
)
ITEMS_FINISHED = Counter(
    "actormaker_items",
    "Items of finished jobs, by outcome (succeeded, failed, cancelled)",
    ["kind", "outcome"],
)
HTTP_REQUESTS = Counter(
    "actormaker_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "actormaker_http_request_duration_seconds",
    "Time until an HTTP answer starts (its headers; an event stream goes on after)",
    ["method", "route"],
    buckets=_HTTP_BUCKETS,
)
SSE_CLIENTS = Gauge("actormaker_sse_clients", "Open Server-Sent Events streams", ["stream"])

METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST


def exposition() -> bytes:
    """This process's metrics in the Prometheus text format."""
    return generate_latest()
