"""Gateway settings: the shared ones plus the database, the HTTP listener, API keys and CORS."""

from pydantic import Field, SecretStr
from sqlalchemy.engine import make_url

from actormaker.common.production import MIN_API_KEY_LENGTH, is_example_secret, secret_problem
from actormaker.common.settings import SETTINGS_CONFIG, CommonSettings


class GatewaySettings(CommonSettings):
    model_config = SETTINGS_CONFIG

    database_url: str = "sqlite+aiosqlite:///var/gateway.db"
    database_schema: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    api_key: SecretStr | None = None  # the bootstrap key: every scope; set, keys are required
    # Requests a minute per API key and replica (a key's own limit overrides it); 0: unlimited.
    api_rate_limit_per_minute: int = Field(default=1200, ge=0)
    # How long a replica trusts a stored key it has read: a revoke elsewhere takes this long.
    api_key_cache_s: float = Field(default=15.0, ge=0)
    # Origins whose browsers may call the API (the console's); empty: no CORS headers.
    cors_origins: list[str] = []

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    max_body_bytes: int = 32 * 2**20
    sse_ping_s: float = 15.0
    sse_idle_check_s: float = 5.0
    sse_feed_linger_s: float = 10.0
    job_wait_timeout_s: float = 600.0
    # How long a request waits for NATS to take what it publishes; a job whose commands miss
    # it is still recorded, and the reconciler queues them once NATS is back.
    publish_deadline_s: float = Field(default=5.0, gt=0)
    reconcile_interval_s: float = Field(default=15.0, gt=0)
    outbox_retry_after_s: float = Field(default=10.0, ge=0)  # leave the request time to publish
    item_stuck_after_s: float = Field(default=6 * 3600.0, gt=0)
    file_link_ttl_s: float = Field(default=3600.0, gt=0)
    # Replicate signs its webhooks with the account's secret (`whsec_...`); without it, every
    # Replicate webhook is refused and the workers find out by polling.
    replicate_webhook_secret: SecretStr | None = None
    webhook_tolerance_s: float = Field(default=300.0, gt=0)

    # Dataset generation: how runs are planned, and what a dry run quotes (the seed's prices).
    datagen_max_grids: int = Field(default=3, ge=1, le=10)  # grids per item before it gives up
    datagen_upscale_batch: int = Field(default=3, ge=1, le=9)
    datagen_parallelism: int = Field(default=6, ge=1)  # items in flight across datagen workers
    datagen_price_kontext_usd: float = Field(default=0.05, ge=0)
    datagen_price_upscale_usd: float = Field(default=0.02, ge=0)
    datagen_price_vision_usd: float = Field(default=0.002, ge=0)
    datagen_kontext_s: float = Field(default=30.0, gt=0)
    datagen_upscale_s: float = Field(default=30.0, gt=0)
    datagen_vision_s: float = Field(default=5.0, gt=0)
    # https hosts a source image or portrait URL may come from (S3 URLs: the allowed buckets).
    datagen_source_hosts: list[str] = []

    # /docs, /redoc and /openapi.json: always outside production, in production only when enabled.
    docs_enabled: bool = False

    @property
    def serves_docs(self) -> bool:
        return self.environment != "production" or self.docs_enabled

    def production_problems(self) -> list[str]:
        problems = super().production_problems() + secret_problem("API_KEY", self.api_key)
        if self.api_key is not None and len(self.api_key.get_secret_value()) < MIN_API_KEY_LENGTH:
            problems.append(f"API_KEY is shorter than {MIN_API_KEY_LENGTH} characters")
        password = make_url(self.database_url).password
        if password is not None and is_example_secret(password):
            problems.append("DATABASE_URL has an example or default password; set a real one")
        if "*" in self.cors_origins:
            problems.append("CORS_ORIGINS allows every origin ('*'); list the console's origins")
        return problems
