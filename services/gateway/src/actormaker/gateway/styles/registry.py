"""Import of the seed system's styles_registry.json (ORIGINAL_SYSTEM.md section 3).

Entry fields used: id, title, lora_name, lora_file, lora_weight, trigger_words, frontpad,
backpad and the optional steps, cfg, denoise, guidance, sampler_name, scheduler_name. Every other
field is kept on the style as it was.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from actormaker.common.errors import InvalidInput
from actormaker.common.schemas.img2img import Img2ImgSettings, LoraStrength
from actormaker.gateway.styles.schemas import FileName, Pad, StyleCreate, StyleName, StyleRef

_SETTINGS_FIELDS = ("steps", "cfg", "denoise", "guidance", "sampler_name", "scheduler_name")


class RegistryStyle(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: StyleRef
    title: StyleName
    lora_name: FileName | None = None
    lora_file: FileName | None = None
    lora_weight: LoraStrength = 1.0
    trigger_words: str | None = None
    frontpad: Pad = ""
    backpad: Pad = ""
    steps: int | None = None
    cfg: float | None = None
    denoise: float | None = None
    guidance: float | None = None
    sampler_name: str | None = None
    scheduler_name: str | None = None

    def settings_over(self, base: Img2ImgSettings) -> Img2ImgSettings:
        """`base` with the img2img settings this entry carries."""
        found = {name: getattr(self, name) for name in _SETTINGS_FIELDS}
        changes = {name: value for name, value in found.items() if value is not None}
        return Img2ImgSettings.model_validate(base.model_dump() | changes)

    def to_style(self) -> StyleCreate:
        """The style as this entry describes it, with the seed's default settings under it."""
        lora_file = self.lora_file or (f"{self.lora_name}.safetensors" if self.lora_name else None)
        if lora_file is None:
            raise InvalidInput(f"registry style {self.id} has neither lora_file nor lora_name")
        return StyleCreate(
            id=self.id,
            name=self.title,
            lora_name=lora_file,
            lora_strength_model=self.lora_weight,
            trigger_words=self.trigger_words or None,
            frontpad=self.frontpad,
            backpad=self.backpad,
            settings=self.settings_over(Img2ImgSettings()),
        )

    def kept_fields(self) -> dict[str, Any]:
        """The registry fields a style has no column for."""
        return {**(self.model_extra or {}), "lora_name": self.lora_name}


class RegistryFile(BaseModel):
    styles: list[RegistryStyle] = Field(max_length=10_000)


def parse_registry(document: object) -> list[RegistryStyle]:
    """The styles of a registry document: `{"styles": [...]}` or a bare list of entries."""
    body = {"styles": document} if isinstance(document, list) else document
    try:
        return RegistryFile.model_validate(body).styles
    except ValidationError as error:
        raise InvalidInput(f"not a styles registry: {error}") from error
