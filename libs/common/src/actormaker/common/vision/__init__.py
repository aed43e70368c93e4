from actormaker.common.vision.client import PROVIDER, VisionModel
from actormaker.common.vision.settings import OpenAISettings

__all__ = ("PROVIDER", "OpenAISettings", "VisionModel")
