"""`actormaker` against the stack: jobs started and followed, exit codes, JSON for scripts,
a follow that survives a gateway restart, the key from the environment."""

import asyncio

from tests.cli.conftest import Cli, finished
from tests.faults.conftest import FaultStack
from tests.faults.journeys import style_with_images

EXIT_JOB_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_UNREACHABLE = 1, 2, 3, 4


async def test_a_followed_generation_ends_with_exit_code_zero(stack: FaultStack, cli_for) -> None:
    cli: Cli = cli_for(stack)
    style_id = await style_with_images(stack, 3)

    ran = await cli.run("--json", "styles", "generate", style_id, "--select", "missing", "-f")

    assert ran.code == 0, ran.stderr
    job = ran.json()
    assert job["status"] == "succeeded"
    assert job["counts"]["succeeded"] == 3
    listed = (await cli.run("--json", "jobs", "ls", "--limit", "5")).json()
    assert listed[0]["id"] == job["id"]
    shown = await cli.run("jobs", "show", job["id"])
    assert "succeeded" in shown.stdout


async def test_a_job_that_fails_exits_one_and_names_the_items(stack: FaultStack, cli_for) -> None:
    await stack.emulate(failure_rate=1.0)
    style_id = await style_with_images(stack, 2)

    ran = await cli_for(stack).run("styles", "generate", style_id, "--select", "all", "-f")

    assert ran.code == EXIT_JOB_FAILED, ran.stderr
    assert "failed" in ran.stderr
    assert ran.stderr.count(".jpg: ") == 2, ran.stderr  # each failed item with its reason


async def test_follow_resumes_after_the_gateway_restarts(stack: FaultStack, cli_for) -> None:
    await stack.emulate(latency_s=1.0, workers=1)
    style_id = await style_with_images(stack, 4)
    cli: Cli = cli_for(stack)
    accepted = (await cli.run("--json", "styles", "generate", style_id, "--select", "all")).json()

    waiting = await cli.start("--json", "jobs", "wait", accepted["job_id"])
    await asyncio.sleep(1.5)
    await stack.kill("gateway")
    await asyncio.sleep(1.0)
    await stack.restart("gateway")
    ran = await finished(waiting)

    assert ran.code == 0, ran.stderr
    assert ran.json()["counts"]["succeeded"] == 4


async def test_cancel_then_wait_reports_the_cancelled_job(stack: FaultStack, cli_for) -> None:
    await stack.emulate(latency_s=2.0, workers=1)
    style_id = await style_with_images(stack, 4)
    cli: Cli = cli_for(stack)
    accepted = (await cli.run("--json", "styles", "generate", style_id, "--select", "all")).json()

    assert (await cli.run("jobs", "cancel", accepted["job_id"])).code == 0
    ran = await cli.run("--json", "jobs", "wait", accepted["job_id"])

    assert ran.code == EXIT_JOB_FAILED
    assert ran.json()["status"] in ("cancelled", "partial")
    retried = await cli.run("--json", "jobs", "retry", accepted["job_id"], "-f")
    assert retried.code == 0, retried.stderr
    assert retried.json()["status"] == "succeeded"


async def test_refusals_and_no_gateway_have_their_own_exit_codes(
    stack: FaultStack, cli_for
) -> None:
    cli: Cli = cli_for(stack)

    unknown = await cli.run("styles", "generate", "no-such-style", "--select", "all")
    assert unknown.code == EXIT_REFUSED
    assert "404" in unknown.stderr
    assert "style" in unknown.stderr
    assert "Traceback" not in unknown.stderr

    invalid = await cli.run(
        "train", "start", "--style", "1", "--set", "1", "--name", "v", "--param", "network_dim=999"
    )
    assert invalid.code == EXIT_REFUSED, invalid.stderr
    assert "network_dim" in invalid.stderr

    usage = await cli.run("styles", "generate", "1")
    assert usage.code == EXIT_USAGE

    nowhere = await cli.run("jobs", "ls", ACTORMAKER_API_URL="http://127.0.0.1:9")
    assert nowhere.code == EXIT_UNREACHABLE
    assert "no answer" in nowhere.stderr


async def test_the_key_comes_from_the_environment(make_fault_stack, cli_for) -> None:
    key = "console-test-key-0123456789abcdef0123"
    async with make_fault_stack(env={"gateway": {"API_KEY": key}}) as stack:
        refused = await cli_for(stack).run("jobs", "ls")
        assert refused.code == EXIT_REFUSED
        assert "API key" in refused.stderr

        allowed = await cli_for(stack, ACTORMAKER_API_KEY=key).run("--json", "jobs", "ls")
        assert allowed.code == 0, allowed.stderr
        assert allowed.json() == [], "a new stack has no jobs yet"
