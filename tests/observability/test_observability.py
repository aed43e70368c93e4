"""Operators' view of real processes: request ids into worker logs, Prometheus metrics on every
service, worker health, and one trace from the HTTP request to the provider call."""

import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from actormaker.devstack.asgi import serve_asgi
from actormaker.devstack.ports import free_port
from tests.faults.conftest import FaultStack
from tests.faults.journeys import finished_job, style_job, style_with_images, until

pytestmark = pytest.mark.timeout(180)

IMAGES = 3
Start = Callable[..., Any]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def json_lines(log: Path) -> list[dict[str, Any]]:
    """The JSON log lines a service wrote (its output may hold other lines too)."""
    entries = []
    for line in log.read_text().splitlines():
        start = line.find("{")
        if start >= 0:
            try:
                entries.append(json.loads(line[start:]))
            except ValueError:
                continue
    return entries


async def scrape(url: str, **options: Any) -> Samples:
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(url, **options)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= found)


@pytest.fixture
async def probe_port() -> int:
    return free_port()


@pytest.fixture
async def stack(make_fault_stack: Start, probe_port: int) -> AsyncIterator[FaultStack]:
    json_logs = {"LOG_FORMAT": "json"}
    env = {
        "gateway": json_logs,
        "img2img": json_logs | {"METRICS_PORT": str(probe_port)},
        "s3sync": json_logs,
    }
    async with make_fault_stack(env=env, concurrency=2) as running:
        yield running


async def test_a_request_id_is_followed_from_http_into_the_worker_log(stack: FaultStack) -> None:
    request_id = "console-7f3a9c"
    traced_style = await style_with_images(stack, IMAGES)
    async with stack.client(headers={"X-Request-ID": request_id}) as client:
        answer = await client.post(f"/api/styles/{traced_style}/generate", json={"select": "all"})
    assert answer.status_code == 202, answer.text
    assert answer.headers["X-Request-ID"] == request_id
    traced_job = answer.json()["job_id"]
    _, other_job = await style_job(stack, IMAGES)
    await finished_job(stack, traced_job)
    await finished_job(stack, other_job)

    worker_log = json_lines(stack.logs / "img2img.log")
    traced = [line for line in worker_log if line.get("job_id") == traced_job]
    assert len([line for line in traced if line["message"] == "item settled"]) == IMAGES
    assert {line.get("request_id") for line in traced} == {request_id}
    assert all(line.get("item") for line in traced)
    answered = [
        line for line in json_lines(stack.logs / "gateway.log") if line.get("message") == "answered"
    ]
    assert any(
        line.get("request_id") == request_id and line["path"].endswith("/generate")
        for line in answered
    )
    # Another request's work is never logged under this request's id.
    other = [line for line in worker_log if line.get("job_id") == other_job]
    assert other
    assert request_id not in {line.get("request_id") for line in other}


async def test_unsafe_or_missing_request_ids_are_replaced(stack: FaultStack) -> None:
    async with stack.client() as client:
        made = await client.get("/api/jobs")
        refused = await client.get("/api/jobs", headers={"X-Request-ID": "bad id\twith spaces"})
        long_one = await client.get("/api/jobs", headers={"X-Request-ID": "a" * 200})
    for answer in (made, refused, long_one):
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"]), answer.headers


async def test_gateway_and_worker_metrics_count_jobs_items_and_provider_calls(
    stack: FaultStack, probe_port: int
) -> None:
    await stack.emulate(rate_limit_rate=0.3, seed=7)
    _, job_id = await style_job(stack, IMAGES)
    job = await finished_job(stack, job_id)
    assert job["status"] == "succeeded", job
    gateway = f"{stack.gateway_url}/metrics"
    await until(lambda: _finished_counted(gateway), within=10)
    samples = await scrape(gateway)
    assert value(samples, "actormaker_items_total", outcome="succeeded") >= IMAGES
    assert value(samples, "actormaker_jobs_accepted_total") >= 1
    job_route = {"route": "/api/jobs/{job_id}", "method": "GET", "status": "200"}
    assert value(samples, "actormaker_http_requests_total", **job_route) >= 1
    assert value(samples, "actormaker_http_request_duration_seconds_count") >= 1
    assert ("actormaker_consumer_pending", frozenset({("consumer", "projector")})) in samples

    worker = await scrape(f"http://127.0.0.1:{probe_port}/metrics")
    done = {"service": "img2img", "outcome": "succeeded"}
    assert value(worker, "actormaker_worker_items_total", **done) == IMAGES
    assert value(worker, "actormaker_worker_item_duration_seconds_count", **done) == IMAGES
    assert value(worker, "actormaker_provider_requests_total", provider="RunPod", status="200") > 0
    rate_limited = value(worker, "actormaker_provider_requests_total", status="429")
    assert rate_limited > 0
    # Each 429 is sent again, unless it was a request's last attempt.
    assert 0 < value(worker, "actormaker_provider_retries_total", reason="429") <= rate_limited
    assert ("actormaker_consumer_pending", frozenset({("consumer", "img2img")})) in worker


async def _finished_counted(url: str) -> bool:
    return value(await scrape(url), "actormaker_jobs_total", status="succeeded") >= 1


async def test_a_worker_is_healthy_only_while_connected_to_nats(
    stack: FaultStack, probe_port: int
) -> None:
    health = f"http://127.0.0.1:{probe_port}/healthz"

    async def status() -> int | None:
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(health)).status_code
        except httpx.ConnectError:
            return None  # not listening yet

    await until(lambda: _is(status, 200), within=15)
    await stack.nats.stop()
    await until(lambda: _is(status, 503), within=15)
    await stack.nats.start()
    await until(lambda: _is(status, 200), within=30)


async def _is(status: Callable[[], Any], expected: int) -> bool:
    return await status() == expected


class Collector:
    """An OTLP/HTTP trace receiver: what each service exported, decoded."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []

    async def receive(self, request: Request) -> Response:
        export = ExportTraceServiceRequest.FromString(await request.body())
        for resource_spans in export.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                self.spans.extend(
                    {
                        "service": attributes.get("service.name"),
                        "name": span.name,
                        "trace": span.trace_id.hex(),
                        "id": span.span_id.hex(),
                        "parent": span.parent_span_id.hex(),
                    }
                    for span in scope_spans.spans
                )
        return Response(status_code=200)

    def named(self, pattern: str) -> list[dict[str, Any]]:
        return [span for span in self.spans if re.search(pattern, span["name"])]


@pytest.fixture
async def collector() -> AsyncIterator[tuple[Collector, str]]:
    received = Collector()
    app = Starlette(routes=[Route("/v1/traces", received.receive, methods=["POST"])])
    async with serve_asgi(app) as url:
        yield received, url


async def test_one_trace_runs_from_the_http_request_through_nats_to_the_provider(
    make_fault_stack: Start, collector: tuple[Collector, str]
) -> None:
    received, url = collector
    tracing = {"OTEL_EXPORTER_OTLP_ENDPOINT": url, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    env = {"gateway": tracing, "img2img": tracing}
    async with make_fault_stack(env=env, concurrency=2) as stack:
        _, job_id = await style_job(stack, 1)
        await finished_job(stack, job_id)
        # A parent span ends, and is exported, after its children; the processes are killed
        # at teardown, so whatever is still buffered then is lost: wait for the whole chain.
        await until(lambda: _exported(received, r"^RunPod ", r"^process "), within=15)

    (request,) = received.named(r"^POST /api/styles/\{style_id\}/generate$")
    assert request["service"] == "gateway"
    in_trace = [span for span in received.spans if span["trace"] == request["trace"]]
    gateway_spans = {span["id"] for span in in_trace if span["service"] == "gateway"}
    processing = [span for span in in_trace if span["name"].startswith("process ")]
    assert processing, "the worker's span is not in the request's trace"
    assert {span["service"] for span in processing} == {"img2img"}
    assert {span["parent"] for span in processing} <= gateway_spans
    provider_calls = [s for s in received.named(r"^RunPod ") if s["trace"] == request["trace"]]
    assert provider_calls
    assert {span["parent"] for span in provider_calls} <= {span["id"] for span in processing}


def _exported(received: Collector, *patterns: str) -> bool:
    return all(received.named(pattern) for pattern in patterns)


async def test_open_event_streams_are_counted(stack: FaultStack) -> None:
    gateway = f"{stack.gateway_url}/metrics"
    async with stack.client() as client, client.stream("GET", "/api/events") as stream:
        assert stream.status_code == 200
        samples = await scrape(gateway)
        assert value(samples, "actormaker_sse_clients", stream="all") == 1

    await until(lambda: _sse_clients(gateway, 0), within=10)


async def _sse_clients(url: str, expected: float) -> bool:
    return value(await scrape(url), "actormaker_sse_clients", stream="all") == expected
