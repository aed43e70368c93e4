"""OpenTelemetry traces across gateway → NATS → worker → provider, when an OTLP endpoint is set.

With `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) in the environment,
each process exports its spans over OTLP/HTTP; the SDK reads the other `OTEL_*` variables
(headers, timeouts, sampling) itself. Without it the API's no-op tracer costs next to nothing
and no `traceparent` is sent. Trace context travels in NATS headers beside `X-Request-ID`.
"""

import os
from collections.abc import Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context

from actormaker.common.log_context import REQUEST_ID_HEADER, current_request_id

_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")

tracer = trace.get_tracer("actormaker")


def configure_tracing(service: str) -> None:
    """Export this process's spans as `service` when an OTLP endpoint is configured."""
    if not any(os.environ.get(variable) for variable in _ENDPOINT_VARIABLES):
        return
    # Imported here: a process without an endpoint never loads the SDK.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def shutdown_tracing() -> None:
    """Send the spans still buffered; a no-op when tracing is off."""
    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if shutdown is not None:
        shutdown()


def outgoing_headers() -> dict[str, str]:
    """Headers that carry the current request id and trace context onto a message."""
    headers: dict[str, str] = {}
    if request_id := current_request_id():
        headers[REQUEST_ID_HEADER] = request_id
    propagate.inject(headers)
    return headers


def incoming_context(headers: Mapping[str, str] | None) -> Context:
    """The trace context a message's headers carry (an empty one when they carry none)."""
    return propagate.extract(headers or {})
