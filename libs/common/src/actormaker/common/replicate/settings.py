"""Replicate settings: `REPLICATE_*` variables (the token under the SDK's own name too)."""

from pydantic import AliasChoices, Field, SecretStr

from actormaker.common.providers import ProviderSettings
from actormaker.common.settings import prefixed_config


class ReplicateSettings(ProviderSettings):
    model_config = prefixed_config("REPLICATE_") | {"populate_by_name": True}
    API_KEY_VARIABLE = "REPLICATE_API_TOKEN"

    # The SDK's paths start with /v1, so this is the API's root.
    base_url: str = "https://api.replicate.com"
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("REPLICATE_API_TOKEN", "REPLICATE_API_KEY")
    )
    # Replicate allows 600 prediction creations a minute per account.
    requests_per_second: float = Field(default=10.0, gt=0)
    kontext_model: str = "black-forest-labs/flux-kontext-pro"
    upscale_model: str = "topazlabs/image-upscale"
