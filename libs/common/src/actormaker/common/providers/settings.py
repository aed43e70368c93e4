"""What every provider is configured with; each provider's settings add an env prefix."""

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from actormaker.common.production import secret_problem, url_problem
from actormaker.common.providers.transport import RetryPolicy
from actormaker.common.settings import prefixed_config


class ProviderSettings(BaseSettings):
    """Where a provider is, its key, and how hard and how fast we may call it."""

    model_config = prefixed_config("PROVIDER_")

    base_url: str
    api_key: SecretStr | None = None
    max_attempts: int = Field(default=5, ge=1)
    retry_initial_s: float = Field(default=0.5, gt=0)
    retry_max_s: float = Field(default=30.0, gt=0)
    http_timeout_s: float = Field(default=60.0, gt=0)
    requests_per_second: float = Field(default=10.0, gt=0)

    # The key's variable when the provider's SDK names it otherwise than <PREFIX>API_KEY.
    API_KEY_VARIABLE: ClassVar[str | None] = None

    def production_problems(self) -> list[str]:
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        key_variable = self.API_KEY_VARIABLE or f"{prefix}API_KEY"
        return secret_problem(key_variable, self.api_key) + url_problem(
            f"{prefix}BASE_URL", self.base_url, "the provider"
        )

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            initial_delay=self.retry_initial_s,
            max_delay=self.retry_max_s,
        )

    def bearer_headers(self) -> dict[str, str]:
        """`Authorization: Bearer <key>`, or nothing without a key."""
        if self.api_key is None:
            return {}
        return {"Authorization": f"Bearer {self.api_key.get_secret_value()}"}
