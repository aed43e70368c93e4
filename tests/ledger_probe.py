"""What the provider-job ledger holds, read straight from its KV bucket.

Kill tests wait on it: a provider job is safe from a second submit only once its id is in the
ledger; killed between the provider's answer and that write, the submit is unconfirmed and is
sent again by design (ADR 0006).
"""

import nats
from nats.js.errors import NoKeysError

from actormaker.common.schemas.provider_jobs import StepRecord
from actormaker.common.settings import CommonSettings
from actormaker.common.subjects import PROVIDER_JOBS_BUCKET


async def confirmed_submits(settings: CommonSettings) -> int:
    """How many provider steps have a provider job id recorded (submitted or beyond)."""
    nc = await nats.connect(settings.nats_url)
    try:
        kv = await nc.jetstream().key_value(PROVIDER_JOBS_BUCKET)
        try:
            keys = await kv.keys()
        except NoKeysError:
            return 0
        confirmed = 0
        for key in keys:
            entry = await kv.get(key)
            if entry.value and StepRecord.model_validate_json(entry.value).provider_job_id:
                confirmed += 1
        return confirmed
    finally:
        await nc.close()


async def every_submit_confirmed(settings: CommonSettings, submitted: int) -> bool:
    """Whether the ledger knows every one of the `submitted` jobs the provider has taken."""
    return submitted > 0 and await confirmed_submits(settings) >= submitted
