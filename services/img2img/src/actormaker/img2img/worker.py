"""Building the img2img worker: the one builder that `__main__`, tests and benchmarks use."""

from functools import partial

import httpx

from actormaker.common.bus import Bus, DeliveryPolicy, Worker
from actormaker.common.runpod import PollPolicy, RetryPolicy, RunPodClient
from actormaker.common.schemas.img2img import GenerateTrainingImage
from actormaker.common.storage import open_workspace
from actormaker.img2img.generate import Generator, generate_training_image
from actormaker.img2img.render import Renderer
from actormaker.img2img.settings import Img2ImgServiceSettings
from actormaker.img2img.throttle import TokenBucket
from actormaker.img2img.workflows import load_template

SERVICE = GenerateTrainingImage.SERVICE


def runpod_http(settings: Img2ImgServiceSettings) -> httpx.AsyncClient:
    """An HTTP client whose every request (run, status, cancel, downloads) is rate limited."""
    bucket = TokenBucket(settings.img2img_requests_per_second)

    async def throttle(_: httpx.Request) -> None:
        await bucket.acquire()

    return httpx.AsyncClient(
        timeout=settings.runpod_http_timeout_s, event_hooks={"request": [throttle]}
    )


async def build_worker(
    bus: Bus, *, settings: Img2ImgServiceSettings, http: httpx.AsyncClient
) -> Worker:
    """The worker, with its workflow template checked before anything is pulled."""
    runpod = RunPodClient(
        base_url=settings.runpod_base_url,
        api_key=settings.runpod_api_key.get_secret_value() if settings.runpod_api_key else "",
        endpoint_id=settings.runpod_img2img_endpoint_id,
        http=http,
        retry=RetryPolicy(
            max_attempts=settings.runpod_max_attempts,
            initial_delay=settings.runpod_retry_initial_s,
            max_delay=settings.runpod_retry_max_s,
        ),
    )
    poll = PollPolicy(
        initial=settings.img2img_poll_initial_s,
        max_interval=settings.img2img_poll_max_interval_s,
        timeout=settings.img2img_job_timeout_s,
        not_found_grace=settings.img2img_not_found_grace_s,
    )
    generator = Generator(
        storage=open_workspace(settings),
        renderer=Renderer(runpod=runpod, poll=poll),
        template=load_template(settings.workflows_dir),
        http=http,
    )
    return Worker(
        bus,
        service=SERVICE,
        handlers={GenerateTrainingImage: partial(generate_training_image, generator=generator)},
        concurrency=settings.img2img_concurrency,
        fetch_timeout=settings.img2img_fetch_timeout_s,
        policy=DeliveryPolicy(
            ack_wait=settings.img2img_ack_wait_s,
            max_deliver=settings.img2img_max_deliver,
            backoff=settings.img2img_retry_backoff_s,
        ),
    )
