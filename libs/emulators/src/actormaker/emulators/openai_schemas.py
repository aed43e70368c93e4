"""What the OpenAI emulator accepts: Chat Completions (EXTERNAL_APIS.md 4.2, 4.3), and its
configuration."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class OpenAIEmulatorConfig(BaseModel):
    """Behaviour of the emulator; every fault is off by default."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = None  # None accepts any key
    latency_s: float = Field(default=0.2, ge=0.0)
    failure_rate: Rate = 0.0  # 500 server_error
    rate_limit_rate: Rate = 0.0  # 429 with retry-after
    retry_after_s: int = Field(default=1, ge=0)
    garbage_rate: Rate = 0.0  # content that does not fit the schema
    empty_rate: Rate = 0.0  # content that fits the schema but says nothing
    seed: int = 0


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class ImageUrl(BaseModel):
    url: str
    detail: Literal["auto", "low", "high"] = "auto"


class ImagePart(BaseModel):
    type: Literal["image_url"]
    image_url: ImageUrl


ContentPart = Annotated[TextPart | ImagePart, Field(discriminator="type")]


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None


class JsonSchema(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    json_schema: dict[str, Any] = Field(default={}, alias="schema")
    strict: bool | None = None
    description: str | None = None


class JsonSchemaFormat(BaseModel):
    type: Literal["json_schema"]
    json_schema: JsonSchema


class PlainFormat(BaseModel):
    type: Literal["text", "json_object"]


ResponseFormat = Annotated[JsonSchemaFormat | PlainFormat, Field(discriminator="type")]


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[Message] = Field(min_length=1)
    response_format: ResponseFormat | None = None
    stream: bool = False

    def image_urls(self) -> list[str]:
        """Every image the messages carry, in order."""
        return [image.url for image in self._images()]

    def image_details(self) -> list[str]:
        return [image.detail for image in self._images()]

    def text(self) -> str:
        """All the text the messages carry."""
        texts: list[str] = []
        for message in self.messages:
            if isinstance(message.content, str):
                texts.append(message.content)
            elif message.content is not None:
                texts += [part.text for part in message.content if isinstance(part, TextPart)]
        return "\n".join(texts)

    def _images(self) -> list[ImageUrl]:
        return [
            part.image_url
            for message in self.messages
            if isinstance(message.content, list)
            for part in message.content
            if isinstance(part, ImagePart)
        ]
