"""Request bodies the RunPod emulator accepts and the configuration that shapes its behaviour."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from actormaker.emulators.comfy_worker import OutputFormat
from actormaker.emulators.restyle import ImageFormat

Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class RunPodEmulatorConfig(BaseModel):
    """Behaviour of the emulator; every fault is off by default."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = None
    endpoint_ids: list[str] | None = None  # None accepts any endpoint id
    latency_s: float = Field(default=0.25, ge=0.0)
    retention_s: float = Field(default=1800.0, ge=0.0)
    not_found_for_s: float = Field(default=0.0, ge=0.0)  # /status 404s this long after /run
    workers: int | None = Field(default=None, ge=1)  # None = unlimited concurrency
    output_format: OutputFormat = "list"
    image_format: ImageFormat = "PNG"
    failure_rate: Rate = 0.0
    rate_limit_rate: Rate = 0.0
    server_error_rate: Rate = 0.0
    hang_rate: Rate = 0.0
    retry_after_s: int | None = None  # sent as Retry-After with injected 429s
    fail_prompts_containing: list[str] = []
    seed: int = 0
    runsync_wait_s: float = Field(default=90.0, gt=0.0)
    job_id_suffix: str = Field(default="-u1", pattern=r"^(-[a-z][0-9]{1,3})?$")  # "-e1" as well
    webhook_deliveries: int = Field(default=1, ge=0, le=5)  # 2 = every webhook sent twice
    webhook_delay_s: float = Field(default=0.0, ge=0.0)  # > 0: late webhooks
    webhook_retry_interval_s: float = Field(default=10.0, ge=0.0)  # RunPod: 2 retries, 10 s apart
    # The training container (jobs whose input has training_data): how long a run takes, the
    # S3 it downloads datasets from and writes LoRAs to (None: boto3's defaults).
    training_s: float = Field(default=2.0, ge=0.0)
    training_output_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str = "us-east-1"


class JobPolicy(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")

    execution_timeout_ms: int | None = Field(default=None, alias="executionTimeout", gt=0)
    ttl_ms: int | None = Field(default=None, alias="ttl", gt=0)
    low_priority: bool = Field(default=False, alias="lowPriority")


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    input: dict[str, Any] | str
    webhook: str | None = None
    policy: JobPolicy | None = None
