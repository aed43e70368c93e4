"""`python -m actormaker.img2img`: run the img2img worker until SIGINT/SIGTERM."""

import asyncio
from functools import partial

from actormaker.common.service import serve_worker
from actormaker.img2img.settings import Img2ImgServiceSettings
from actormaker.img2img.worker import SERVICE, build_worker, runpod_http


async def run(settings: Img2ImgServiceSettings) -> None:
    async with runpod_http(settings) as http:
        build = partial(build_worker, settings=settings, http=http)
        await serve_worker(settings, service=SERVICE, build=build)


def main() -> None:
    asyncio.run(run(Img2ImgServiceSettings()))


if __name__ == "__main__":
    main()
