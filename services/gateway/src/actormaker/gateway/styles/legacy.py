"""The seed system's API (/api/training-data/*), same paths and shapes, run as one of our jobs.

Image paths in a request (`path`, `fs_path`) are accepted and ignored: an image is only ever
looked up by its file name among the base images, so no request can name another file.
"""

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
)
from pydantic.alias_generators import to_camel
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.schemas import ItemStatus
from actormaker.common.schemas.img2img import Img2ImgOverrides, LoraStrength
from actormaker.common.storage import Storage
from actormaker.gateway.models import Job, JobItem
from actormaker.gateway.styles.datasets import delete_training_image
from actormaker.gateway.styles.generation import Batch, BatchSubmitter, ImageRequest
from actormaker.gateway.styles.library import load_style, style_settings, style_spec
from actormaker.gateway.styles.models import Style
from actormaker.gateway.styles.schemas import FileName, Pad, StyleRef

_CAMEL = ConfigDict(
    extra="ignore",
    alias_generator=AliasGenerator(validation_alias=lambda n: AliasChoices(n, to_camel(n))),
)


class LegacyImage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    filename: FileName
    path: str | None = None
    fs_path: str | None = None
    prompt: Annotated[str, Field(max_length=4000)] | None = Field(
        default=None, validation_alias=AliasChoices("Prompt", "prompt")
    )


class LegacySettings(Img2ImgOverrides):
    # The seed UI sends its whole saved settings object, with keys we do not use.
    model_config = ConfigDict(extra="ignore")


class LegacyGenerateRequest(BaseModel):
    """The seed's request body; style fields it carries override the stored style's."""

    model_config = _CAMEL

    images: list[LegacyImage] = Field(min_length=1, max_length=2000)
    workflow: dict[str, JsonValue] | None = None
    settings: LegacySettings | None = None
    style_id: StyleRef
    style_lora_name: FileName | None = None
    lora_strength_model: LoraStrength | None = None
    lora_strength_clip: LoraStrength | None = None
    prompt_frontpad: Pad | None = None
    prompt_backpad: Pad | None = None

    @field_validator("workflow")
    @classmethod
    def _placeholder_is_the_template(
        cls, workflow: dict[str, JsonValue] | None
    ) -> dict[str, JsonValue] | None:
        # The seed UI sends `{}` until a workflow is pasted: it means "the server's template".
        return workflow or None

    def batch(self, style: Style) -> Batch:
        given = {
            "lora_name": self.style_lora_name,
            "lora_strength_model": self.lora_strength_model,
            "lora_strength_clip": self.lora_strength_clip,
            "frontpad": self.prompt_frontpad,
            "backpad": self.prompt_backpad,
        }
        spec = style_spec(style).model_copy(
            update={name: value for name, value in given.items() if value is not None}
        )
        return Batch(
            kind="training-data.generate",
            style=spec,
            settings=style_settings(style).with_overrides(self.settings),
            images=[ImageRequest(image.filename, image.prompt) for image in self.images],
            request=self.model_dump(mode="json", exclude_unset=True),
            workflow=self.workflow,
            missing_images_fail=True,
        )


class LegacyRunResult(BaseModel):
    status: str
    output: dict[str, Any] | None


class LegacySuccess(BaseModel):
    filename: str
    success: Literal[True] = True
    result: LegacyRunResult


class LegacyFailure(BaseModel):
    filename: str
    success: Literal[False] = False
    error: str


class LegacyGenerateResponse(BaseModel):
    success: bool
    results: list[LegacySuccess | LegacyFailure]
    total: int
    successful: int
    failed: int
    job_id: UUID


class LegacyDeleteRequest(BaseModel):
    model_config = _CAMEL

    style_id: StyleRef
    filename: FileName


class LegacyDeleteResponse(BaseModel):
    success: bool
    message: str


async def start_legacy_generation(
    submitter: BatchSubmitter, body: LegacyGenerateRequest, *, idempotency_key: str | None
) -> Job:
    """Check the request like every other generate request and queue it as a job."""
    style = await load_style(submitter.session, body.style_id)
    return await submitter.submit(body.batch(style), idempotency_key=idempotency_key)


def legacy_response(job: Job, items: list[JobItem]) -> LegacyGenerateResponse:
    """The seed's answer for a finished job: one result per image, failures with their reason."""
    results = [_result(item) for item in items]
    successful = sum(result.success for result in results)
    return LegacyGenerateResponse(
        success=successful == len(results),
        results=results,
        total=len(results),
        successful=successful,
        failed=len(results) - successful,
        job_id=job.id,
    )


def _result(item: JobItem) -> LegacySuccess | LegacyFailure:
    if item.status == ItemStatus.SUCCEEDED:
        return LegacySuccess(
            filename=item.key, result=LegacyRunResult(status="COMPLETED", output=item.output)
        )
    reason = item.error if item.status == ItemStatus.FAILED else item.message
    return LegacyFailure(filename=item.key, error=reason or f"item {item.status}")


async def legacy_delete(
    session: AsyncSession, storage: Storage, body: LegacyDeleteRequest
) -> LegacyDeleteResponse:
    """Delete one training image of a style; its base image stays."""
    style = await load_style(session, body.style_id)
    await delete_training_image(storage, style, body.filename)
    return LegacyDeleteResponse(success=True, message=f"deleted {body.filename}")
