"""Fuzzing: schemathesis sends generated and malformed requests to every operation of a real
gateway process (on SQLite, and on PostgreSQL when it is configured) and fails on any 5xx, any
status the OpenAPI description does not list, and any answer that breaks its schema."""

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from actormaker.common.settings import CommonSettings
from actormaker.devstack.ports import free_port
from tests.gateway.conftest import BACKENDS, fresh_database, gateway_settings
from tests.processes import service_process, settings_env

API_KEY = "fuzzing-key-0123456789abcdef"
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
# Enough examples per operation to reach every validator; FUZZ_MAX_EXAMPLES raises it locally.
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "25")
SEED = os.environ.get("FUZZ_SEED", "20261203")


@pytest.fixture(params=BACKENDS)
async def gateway_url(
    request: pytest.FixtureRequest, settings: CommonSettings, tmp_path: Path
) -> AsyncIterator[str]:
    port = free_port()
    async with fresh_database(request.param, tmp_path) as database:
        configured = gateway_settings(
            settings,
            database,
            api_key=API_KEY,
            gateway_port=port,
            data_dir=tmp_path / "data",
            job_wait_timeout_s=0.2,  # no worker runs: seed routes answer 202 at once
            max_body_bytes=2**20,
            # Thousands of requests in seconds: a 429 would end each case before its route.
            api_rate_limit_per_minute=0,
        )
        url = f"http://127.0.0.1:{port}"
        env = settings_env(configured)
        log = tmp_path / "gateway.log"
        async with service_process("actormaker.gateway", env, log, ready_url=f"{url}/readyz"):
            yield url


@pytest.mark.timeout(600)
async def test_no_request_gets_a_server_error_or_an_undocumented_answer(
    gateway_url: str, tmp_path: Path
) -> None:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{gateway_url}/openapi.json",
        f"--checks={CHECKS}",
        f"--header=Authorization: Bearer {API_KEY}",
        "--generation-with-security-parameters=false",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--phases=examples,coverage,fuzzing",
        "--workers=1",
        "--request-timeout=10",
        "--generation-database=none",
        # The all-jobs stream never ends by design; a job's stream is fuzzed like the rest.
        "--exclude-path=/api/events",
        "--no-color",
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    report = output.decode(errors="replace")

    cases = re.search(r"(\d+) generated", report)
    print(f"schemathesis: {cases.group(0) if cases else 'no count'} against {gateway_url}")
    assert process.returncode == 0, report[-30_000:]
