from actormaker.common.replicate.client import (
    PROVIDER,
    ReplicateConnection,
    ReplicateModel,
    ReplicatePrediction,
    ReplicateTrainer,
)
from actormaker.common.replicate.settings import ReplicateSettings

__all__ = (
    "PROVIDER",
    "ReplicateConnection",
    "ReplicateModel",
    "ReplicatePrediction",
    "ReplicateSettings",
    "ReplicateTrainer",
)
