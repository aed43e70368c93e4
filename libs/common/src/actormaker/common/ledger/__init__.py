"""The provider-job ledger: provider jobs submitted once per unit of work, whatever crashes."""

from actormaker.common.ledger.nudges import Nudge, Nudges
from actormaker.common.ledger.steps import ProviderSteps, cancel_quietly
from actormaker.common.ledger.store import Entry, ProviderLedger, StepContended
from actormaker.common.ledger.webhooks import (
    TRAINING_WEBHOOK_PATH,
    WEBHOOK_PATH,
    WebhookRoute,
    new_token,
    token_digest,
    token_matches,
    training_webhook_url,
    webhook_url,
)

__all__ = (
    "TRAINING_WEBHOOK_PATH",
    "WEBHOOK_PATH",
    "Entry",
    "Nudge",
    "Nudges",
    "ProviderLedger",
    "ProviderSteps",
    "StepContended",
    "WebhookRoute",
    "cancel_quietly",
    "new_token",
    "token_digest",
    "token_matches",
    "training_webhook_url",
    "webhook_url",
)
