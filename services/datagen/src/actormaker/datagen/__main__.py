"""`python -m actormaker.datagen`: run the dataset-generation worker until SIGINT/SIGTERM."""

from actormaker.common.replicate import ReplicateSettings
from actormaker.common.service import run_service
from actormaker.common.settings import CommonSettings
from actormaker.common.vision import OpenAISettings
from actormaker.datagen.settings import DatagenSettings
from actormaker.datagen.worker import Providers, datagen_service


def main() -> None:
    common = CommonSettings()
    providers = Providers(replicate=ReplicateSettings(), openai=OpenAISettings())
    run_service(common, datagen_service(common, DatagenSettings(), providers))


if __name__ == "__main__":
    main()
