"""What the Replicate emulator accepts (EXTERNAL_APIS.md 3.2, 3.7, 3.8) and its configuration."""

import base64
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
WebhookEvent = Literal["start", "output", "logs", "completed"]

# A fixed secret, so a local gateway can be told it before the emulator starts.
DEFAULT_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"actormaker-replicate-emulator!!!").decode()


class ReplicateEmulatorConfig(BaseModel):
    """Behaviour of the emulator; every fault is off by default."""

    model_config = ConfigDict(extra="forbid")

    api_token: str | None = None  # None accepts any token
    latency_s: float = Field(default=1.0, ge=0.0)  # per prediction, unless the model is listed:
    model_latency_s: dict[str, float] = {}  # "owner/name" -> seconds
    long_side: int = Field(default=1024, ge=16, le=4096)  # of flux-kontext-pro's outputs
    duplicate_tiles: int = Field(default=0, ge=0, le=8)  # per 3x3 grid, exact copies of a tile
    failure_rate: Rate = 0.0
    fail_prompts_containing: list[str] = []
    rate_limit_rate: Rate = 0.0
    server_error_rate: Rate = 0.0
    retry_after_s: int = Field(default=30, ge=1)  # said by injected 429s
    seed: int = 0
    sync_wait_s: float = Field(default=60.0, gt=0.0)  # `Prefer: wait` without a number
    retention_s: float = Field(default=3600.0, ge=0.0)  # then data_removed, files gone
    page_size: int = Field(default=100, ge=1)  # of GET /v1/predictions
    webhook_secret: str = Field(
        default=DEFAULT_WEBHOOK_SECRET, pattern=r"^whsec_[A-Za-z0-9+/]+={0,2}$"
    )
    webhook_deliveries: int = Field(default=1, ge=0, le=5)  # 2 = every webhook sent twice
    webhook_delay_s: float = Field(default=0.0, ge=0.0)  # > 0: late webhooks
    webhook_retry_interval_s: float = Field(default=1.0, ge=0.0)
    # Trainings: the account that owns the destination models, and how long a run takes.
    account: str = Field(default="actormaker", pattern=r"^[a-z0-9_.-]+$")
    training_s: float = Field(default=2.0, ge=0.0)

    def latency_of(self, model: str) -> float:
        return self.model_latency_s.get(model, self.latency_s)


class PredictionRequest(BaseModel):
    """The body of POST /v1/models/{owner}/{name}/predictions."""

    model_config = ConfigDict(extra="ignore")

    input: dict[str, Any]
    webhook: str | None = None
    webhook_events_filter: list[WebhookEvent] | None = None


class VersionPredictionRequest(PredictionRequest):
    """The body of POST /v1/predictions: `owner/name`, `owner/name:<hex>` or `<hex>`."""

    version: str


def _uri(value: str) -> str:
    if not value.startswith(("http://", "https://", "data:")):
        raise ValueError("must be a URI (http, https or data)")
    return value


Uri = Annotated[str, AfterValidator(_uri)]
OutputFormat = Literal["jpg", "png"]
AspectRatio = Literal[
    "match_input_image",
    "1:1",
    "16:9",
    "9:16",
    "4:3",
    "3:4",
    "3:2",
    "2:3",
    "4:5",
    "5:4",
    "21:9",
    "9:21",
    "2:1",
    "1:2",
]
_MAX_TOLERANCE_WITH_IMAGE = 2


class KontextInput(BaseModel):
    """black-forest-labs/flux-kontext-pro (3.7)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    prompt: str
    input_image: Uri | None = None
    aspect_ratio: AspectRatio = "match_input_image"
    output_format: OutputFormat = "png"
    safety_tolerance: int = Field(default=2, ge=0, le=6)
    seed: int | None = None
    prompt_upsampling: bool = False

    @model_validator(mode="after")
    def _tolerance_with_image(self) -> Self:
        if self.input_image is not None and self.safety_tolerance > _MAX_TOLERANCE_WITH_IMAGE:
            raise ValueError("safety_tolerance must be at most 2 when input_image is given")
        return self

    @property
    def image_reference(self) -> str | None:
        return self.input_image


class UpscaleInput(BaseModel):
    """topazlabs/image-upscale (3.8): `upscale_factor` is a string enum, not a number."""

    model_config = ConfigDict(extra="ignore", strict=True)

    image: Uri
    enhance_model: Literal[
        "Standard V2", "Low Resolution V2", "CGI", "High Fidelity V2", "Text Refine"
    ] = "Standard V2"
    upscale_factor: Literal["None", "2x", "4x", "6x"] = "None"
    output_format: OutputFormat = "jpg"
    subject_detection: Literal["None", "All", "Foreground", "Background"] = "None"
    face_enhancement: bool = False
    face_enhancement_creativity: float = Field(default=0.0, ge=0.0, le=1.0)
    face_enhancement_strength: float = Field(default=0.8, ge=0.0, le=1.0)

    @property
    def image_reference(self) -> str | None:
        return self.image
