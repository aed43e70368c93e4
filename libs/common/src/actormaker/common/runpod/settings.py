"""RunPod settings: `RUNPOD_*` variables."""

from pydantic import Field

from actormaker.common.providers import ProviderSettings
from actormaker.common.settings import prefixed_config


class RunPodSettings(ProviderSettings):
    model_config = prefixed_config("RUNPOD_")

    base_url: str = "https://api.runpod.ai/v2"
    img2img_endpoint_id: str = Field(default="img2img", min_length=1)
    # The seed's MODEL_TRAINING_RUNPOD_ENDPOINT_ID: the FluxTrainer container's endpoint.
    training_endpoint_id: str = Field(default="training", min_length=1)
