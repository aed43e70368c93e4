"""`python -m actormaker.training`: run the LoRA-training worker until SIGINT/SIGTERM."""

from actormaker.common.replicate import ReplicateSettings
from actormaker.common.runpod import RunPodSettings
from actormaker.common.service import run_service
from actormaker.common.settings import CommonSettings
from actormaker.training.settings import TrainingSettings
from actormaker.training.worker import Providers, training_service


def main() -> None:
    common = CommonSettings()
    providers = Providers(runpod=RunPodSettings(), replicate=ReplicateSettings())
    run_service(common, training_service(common, TrainingSettings(), providers))


if __name__ == "__main__":
    main()
