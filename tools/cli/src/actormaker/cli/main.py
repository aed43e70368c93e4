"""`actormaker`: every job-creating action of the API, and the jobs themselves.

Exit codes: 0 the job (or request) succeeded; 1 a followed job ended otherwise (failed, partial,
cancelled); 2 wrong usage; 3 the gateway refused the request; 4 the gateway did not answer.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from actormaker.cli.client import DEFAULT_URL, ApiRefused, Gateway, Unreachable
from actormaker.cli.follow import JobFollower
from actormaker.cli.output import Output

JOB_FAILED, REFUSED, UNREACHABLE = 1, 3, 4

app = typer.Typer(help="Make LoRA training data and train LoRAs through the ActorMaker API.")
jobs = typer.Typer(help="List, show, wait for, cancel and retry jobs.")
styles = typer.Typer(help="Style datasets: img2img generation, edits, generated sets.")
actors = typer.Typer(help="Actor training data: S3 sync and generated sets.")
sets = typer.Typer(help="Selection sets of training images.")
train = typer.Typer(help="LoRA training runs and their versions.")
for group, name in ((jobs, "jobs"), (styles, "styles"), (actors, "actors"), (sets, "sets")):
    app.add_typer(group, name=name)
app.add_typer(train, name="train")


@dataclass
class Session:
    gateway: Gateway
    out: Output


Follow = Annotated[bool, typer.Option("--follow", "-f", help="show progress until the job ends")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="answer the estimate; start nothing")]


@app.callback()
def configure(
    ctx: typer.Context,
    api_url: Annotated[str, typer.Option(envvar="ACTORMAKER_API_URL")] = DEFAULT_URL,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="ACTORMAKER_API_KEY", help="bearer key, if the API needs one"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output for scripts")] = False,
) -> None:
    gateway = Gateway(api_url.rstrip("/"), api_key)
    ctx.call_on_close(gateway.close)
    ctx.obj = Session(gateway, Output(as_json=as_json))


def _session(ctx: typer.Context) -> Session:
    return ctx.obj


def _started(ctx: typer.Context, answer: dict[str, Any], follow: bool) -> None:
    """Report a job the API accepted; with --follow, wait for it and exit by its outcome."""
    session = _session(ctx)
    job_id = str(answer.get("job_id"))
    if not follow:
        session.out.record(answer)
        return
    session.out.note(f"job {job_id} accepted; following it")
    _wait(session, job_id)


def _wait(session: Session, job_id: str) -> None:
    follower = JobFollower(session.gateway, job_id, session.out.errors)
    job = follower.run(show=True)
    if session.out.as_json:
        session.out.record(job)
    else:
        counts = job["counts"]
        session.out.note(
            f"job {job_id} {job['status']}: {counts['succeeded']} succeeded, "
            f"{counts['failed']} failed, {counts['cancelled']} cancelled of {counts['total']}"
        )
        for item in job["items"]:
            if item["error"]:
                session.out.note(f"  {item['key']}: {item['error']}")
    if job["status"] != "succeeded":
        raise typer.Exit(JOB_FAILED)


@jobs.command("ls")
def jobs_ls(ctx: typer.Context, limit: int = 20, kind: str | None = None) -> None:
    """The newest jobs."""
    params: dict[str, Any] = {"limit": limit}
    if kind:
        params["kind"] = kind
    page = _session(ctx).gateway.call("GET", "/api/jobs", params=params)
    columns = ("id", "kind", "status", "counts", "created_at")
    _session(ctx).out.table(page["data"], columns, "Jobs")


@jobs.command("show")
def jobs_show(ctx: typer.Context, job_id: str) -> None:
    """A job with its items."""
    _session(ctx).out.record(_session(ctx).gateway.call("GET", f"/api/jobs/{job_id}"))


@jobs.command("cancel")
def jobs_cancel(ctx: typer.Context, job_id: str) -> None:
    """Cancel a job: queued items never start, running ones are told to stop."""
    _session(ctx).out.record(_session(ctx).gateway.call("POST", f"/api/jobs/{job_id}/cancel"))


@jobs.command("wait")
def jobs_wait(ctx: typer.Context, job_id: str) -> None:
    """Follow a job to its end; the exit code says whether it succeeded."""
    _wait(_session(ctx), job_id)


@jobs.command("retry")
def jobs_retry(ctx: typer.Context, job_id: str, follow: Follow = False) -> None:
    """A new job for the failed and cancelled items of a finished one."""
    _started(ctx, _session(ctx).gateway.call("POST", f"/api/jobs/{job_id}/retry"), follow)


@styles.command("ls")
def styles_ls(ctx: typer.Context) -> None:
    """The style library."""
    page = _session(ctx).gateway.call("GET", "/api/styles")
    _session(ctx).out.table(page["data"], ("id", "name", "lora_name", "trigger_words"), "Styles")


@styles.command("generate")
def styles_generate(
    ctx: typer.Context,
    style_id: str,
    image: Annotated[list[str] | None, typer.Option(help="a base image (repeat)")] = None,
    select: Annotated[str | None, typer.Option(help="missing, stale or all")] = None,
    follow: Follow = False,
) -> None:
    """img2img training images for the named base images, or a selection."""
    if bool(image) == bool(select):
        raise typer.BadParameter("give --image (one or more) or --select, not both")
    body = {"images": image} if image else {"select": select}
    answer = _session(ctx).gateway.call("POST", f"/api/styles/{style_id}/generate", json=body)
    _started(ctx, answer, follow)


@styles.command("edit")
def styles_edit(
    ctx: typer.Context, style_id: str, image: str, prompt: str | None = None, follow: Follow = False
) -> None:
    """A candidate for one training image, to compare and accept or discard."""
    body: dict[str, Any] = {"image": image} | ({"prompt": prompt} if prompt else {})
    answer = _session(ctx).gateway.call("POST", f"/api/styles/{style_id}/candidates", json=body)
    _started(ctx, answer, follow)


@styles.command("generate-set")
def styles_generate_set(
    ctx: typer.Context,
    style_id: str,
    base_image: str | None = None,
    source_url: str | None = None,
    count: int = 20,
    dry_run: DryRun = False,
    follow: Follow = False,
) -> None:
    """A style set from one source image: grids, unique tiles, upscales."""
    body: dict[str, Any] = {"target_count": count}
    if base_image:
        body["base_image"] = base_image
    if source_url:
        body["source_image_url"] = source_url
    path = f"/api/styles/{style_id}/training-data/generate-from-source"
    _start_or_estimate(ctx, path, body, dry_run=dry_run, follow=follow)


def _start_or_estimate(
    ctx: typer.Context, path: str, body: dict[str, Any], *, dry_run: bool, follow: bool
) -> None:
    params = {"dry_run": "true"} if dry_run else {}
    answer = _session(ctx).gateway.call("POST", path, json=body, params=params)
    if dry_run:
        _session(ctx).out.record(answer)
    else:
        _started(ctx, answer, follow)


@actors.command("ls")
def actors_ls(ctx: typer.Context, name: str | None = None, limit: int = 100) -> None:
    """The actor catalog."""
    params: dict[str, Any] = {"limit": limit} | ({"name": name} if name else {})
    page = _session(ctx).gateway.call("GET", "/api/actors", params=params)
    _session(ctx).out.table(page["data"], ("id", "name", "sex", "ethnicity", "good"), "Actors")


def _sync(ctx: typer.Context, actor_id: int, direction: str, files: list[str] | None, follow: bool):
    body = {"filenames": files} if files else {}
    answer = _session(ctx).gateway.call(
        "POST",
        f"/api/actors/{actor_id}/training-data/sync-{direction}-s3",
        json=body,
        headers={"Prefer": "respond-async"},
    )
    _started(ctx, answer, follow)


FileOption = Annotated[list[str] | None, typer.Option("--file", help="only this file (repeat)")]


@actors.command("sync-from")
def actors_sync_from(
    ctx: typer.Context, actor_id: int, file: FileOption = None, follow: Follow = False
) -> None:
    """Download an actor's training data from S3."""
    _sync(ctx, actor_id, "from", file, follow)


@actors.command("sync-to")
def actors_sync_to(
    ctx: typer.Context, actor_id: int, file: FileOption = None, follow: Follow = False
) -> None:
    """Upload an actor's local training data to S3."""
    _sync(ctx, actor_id, "to", file, follow)


@actors.command("generate")
def actors_generate(
    ctx: typer.Context,
    actor_id: int,
    portrait_url: str | None = None,
    dry_run: DryRun = False,
    follow: Follow = False,
) -> None:
    """The actor's 12-image set from its portrait."""
    body = {"portrait_url": portrait_url} if portrait_url else {}
    path = f"/api/actors/{actor_id}/training-data/generate"
    _start_or_estimate(ctx, path, body, dry_run=dry_run, follow=follow)


def _owner_path(style: str | None, actor: int | None) -> tuple[str, dict[str, Any]]:
    if (style is None) == (actor is None):
        raise typer.BadParameter("give --style or --actor")
    if style is not None:
        return f"/api/styles/{style}", {"style_id": style}
    return f"/api/actors/{actor}", {"actor_id": actor}


StyleOption = Annotated[str | None, typer.Option("--style", help="a style id")]
ActorOption = Annotated[int | None, typer.Option("--actor", help="an actor id")]


@sets.command("ls")
def sets_ls(ctx: typer.Context, style: StyleOption = None, actor: ActorOption = None) -> None:
    """A style's or an actor's selection sets."""
    base, _ = _owner_path(style, actor)
    answer = _session(ctx).gateway.call("GET", f"{base}/selection-sets")
    _session(ctx).out.table(answer["sets"], ("id", "name", "image_count"), "Selection sets")


@sets.command("create")
def sets_create(
    ctx: typer.Context,
    name: str,
    images: list[str],
    style: StyleOption = None,
    actor: ActorOption = None,
) -> None:
    """A new selection set of training images, in order."""
    base, _ = _owner_path(style, actor)
    body = {"name": name, "images": images}
    _session(ctx).out.record(
        _session(ctx).gateway.call("POST", f"{base}/selection-sets", json=body)
    )


def _parameter(raw: str) -> tuple[str, Any]:
    name, sep, value = raw.partition("=")
    if not sep or not name:
        raise typer.BadParameter(f"{raw!r}: write a parameter as name=value")
    for parse in (int, float):
        try:
            return name, parse(value)
        except ValueError:
            continue
    return name, value


@train.command("start")
def train_start(
    ctx: typer.Context,
    selection_set: Annotated[int, typer.Option("--set", help="the selection set's number")],
    version_name: Annotated[str, typer.Option("--name", help="the version's name")],
    style: StyleOption = None,
    actor: ActorOption = None,
    param: Annotated[list[str] | None, typer.Option(help="name=value (repeat)")] = None,
    backend: str = "runpod",
    force: bool = False,
    follow: Follow = False,
) -> None:
    """Train a LoRA on a selection set, with the recommended parameters unless given."""
    _, owner = _owner_path(style, actor)
    body = owner | {
        "selection_set_id": selection_set,
        "version_name": version_name,
        "parameters": dict(map(_parameter, param or [])),
        "backend": backend,
        "force": force,
    }
    _started(ctx, _session(ctx).gateway.call("POST", "/api/training/start", json=body), follow)


@train.command("versions")
def train_versions(
    ctx: typer.Context, style: StyleOption = None, actor: ActorOption = None
) -> None:
    """A style's or an actor's training versions."""
    base, _ = _owner_path(style, actor)
    answer = _session(ctx).gateway.call("GET", f"{base}/training-versions")
    columns = ("id", "name", "status", "imageCount", "timestamp", "error")
    _session(ctx).out.table(answer["versions"], columns, "Training versions")


@train.command("download")
def train_download(
    ctx: typer.Context,
    version_id: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="where to write the LoRA")],
) -> None:
    """Save a completed version's LoRA (.safetensors)."""
    data = _session(ctx).gateway.download(f"/api/training/versions/{version_id}/lora")
    output.write_bytes(data)
    _session(ctx).out.note(f"{output}: {len(data)} bytes")


def run() -> None:
    """The console script: API errors become a message and an exit code, never a traceback."""
    out = Output(as_json=False)
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        code = 130
    except typer.TyperException as wrong:  # wrong usage: click's errors, as Typer vendors them
        wrong.show()
        code = wrong.exit_code
    except ApiRefused as refused:
        out.error(str(refused))
        code = REFUSED
    except Unreachable as error:
        out.error(str(error))
        code = UNREACHABLE
    raise SystemExit(code if isinstance(code, int) else 0)
