"""`python -m actormaker.img2img`: run the img2img worker until SIGINT/SIGTERM."""

from actormaker.common.runpod import RunPodSettings
from actormaker.common.service import run_service
from actormaker.common.settings import CommonSettings
from actormaker.img2img.settings import Img2ImgSettings
from actormaker.img2img.worker import img2img_service


def main() -> None:
    common = CommonSettings()
    run_service(common, img2img_service(common, Img2ImgSettings(), RunPodSettings()))


if __name__ == "__main__":
    main()
