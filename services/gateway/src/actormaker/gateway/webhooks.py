"""Provider webhooks: checked, then passed on as a nudge to the worker waiting on the step.

A webhook's body is never trusted: the worker confirms with the provider's status API. The
token in the URL (and, for Replicate, the signature) must match; anything else is refused with
one answer that does not say which part was wrong. Duplicates and late deliveries get 2xx and
change nothing.
"""

import json
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from starlette.datastructures import Headers

from actormaker.common.ledger import Nudges, ProviderLedger, token_matches
from actormaker.common.providers.signatures import replicate_signature_valid
from actormaker.common.schemas.provider_jobs import StepAddress, StepRecord, StepState
from actormaker.gateway.errors import Forbidden

REFUSED = "webhook refused: unknown step, or a token or signature that does not match"
PROVIDERS = ("runpod", "replicate")


class WebhookReceipt(BaseModel):
    outcome: Literal["accepted", "ignored"]
    detail: str


@dataclass(frozen=True, kw_only=True)
class WebhookInbox:
    ledger: ProviderLedger
    nudges: Nudges
    replicate_secret: str | None
    tolerance_s: float

    async def receive(
        self, provider: str, step_key: str, *, token: str, headers: Headers, body: bytes
    ) -> WebhookReceipt:
        record = await self._authentic_step(provider, step_key, token, headers, body)
        if record.state.is_final or record.state is StepState.ABANDONED:
            return WebhookReceipt(outcome="ignored", detail="the step is already settled")
        reported = _reported_job_id(body)
        if reported and record.provider_job_id and reported != record.provider_job_id:
            return WebhookReceipt(
                outcome="ignored", detail="it reports an earlier provider job of this step"
            )
        await self.nudges.send(record)
        return WebhookReceipt(
            outcome="accepted", detail="the worker will confirm with the provider"
        )

    async def receive_for_step(
        self, step_key: str, *, token: str, headers: Headers, body: bytes
    ) -> WebhookReceipt:
        """A webhook whose URL names the step but not the provider (the training route's)."""
        address = StepAddress.from_key(step_key)
        entry = await self.ledger.get(address) if address is not None else None
        provider = (entry.record.provider or "").lower() if entry is not None else PROVIDERS[0]
        return await self.receive(provider, step_key, token=token, headers=headers, body=body)

    async def _authentic_step(
        self, provider: str, step_key: str, token: str, headers: Headers, body: bytes
    ) -> StepRecord:
        address = StepAddress.from_key(step_key)
        entry = await self.ledger.get(address) if address is not None else None
        digests = entry.record.webhook_digests if entry is not None else ()
        # Compare against every digest (or a stand-in), so timing tells nothing either.
        matched = [token_matches(token, digest) for digest in digests] or [
            token_matches(token, None)
        ]
        if entry is None or not any(matched) or (entry.record.provider or "").lower() != provider:
            raise Forbidden(REFUSED)
        if provider == "replicate" and not self._signed_by_replicate(headers, body):
            raise Forbidden(REFUSED)
        return entry.record

    def _signed_by_replicate(self, headers: Headers, body: bytes) -> bool:
        if self.replicate_secret is None:
            return False
        return replicate_signature_valid(
            headers, body, secret=self.replicate_secret, tolerance_s=self.tolerance_s
        )


def _reported_job_id(body: bytes) -> str | None:
    """The provider job id the body claims to be about (RunPod and Replicate both say `id`)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    reported = payload.get("id") if isinstance(payload, dict) else None
    return reported if isinstance(reported, str) else None
