"""OpenAI settings: `OPENAI_*` variables, the SDK's own names."""

from pydantic import Field

from actormaker.common.providers import ProviderSettings
from actormaker.common.settings import prefixed_config


class OpenAISettings(ProviderSettings):
    model_config = prefixed_config("OPENAI_")

    # The SDK's base URL includes /v1.
    base_url: str = "https://api.openai.com/v1"
    vision_model: str = "gpt-4.1-mini"
    requests_per_second: float = Field(default=5.0, gt=0)
    # Images are sent no larger than this on their long side: enough to judge, cheap to send.
    image_max_side: int = Field(default=1024, ge=64, le=4096)
