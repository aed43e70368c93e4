"""Who owns training images, selection sets and training versions: a style or an actor."""

from dataclasses import dataclass
from typing import Literal

from actormaker.gateway.actors.models import Actor
from actormaker.gateway.styles.models import Style


@dataclass(frozen=True)
class Owner:
    kind: Literal["style", "actor"]
    id: str
    trigger: str  # what its LoRA is prompted with
    style: Style | None = None
    actor: Actor | None = None

    def with_trigger(self, trigger: str) -> "Owner":
        return Owner(self.kind, self.id, trigger, self.style, self.actor)


def style_owner(style: Style) -> Owner:
    """A style trains on its trigger words (the seed's "style SBai_style_N"), else its LoRA name."""
    return Owner("style", style.id, style.trigger_words or style.lora_name, style=style)


def actor_owner(actor: Actor) -> Owner:
    """An actor's trigger is its folder name (ORIGINAL_SYSTEM.md, trigger tokens)."""
    return Owner("actor", str(actor.id), actor.name, actor=actor)
