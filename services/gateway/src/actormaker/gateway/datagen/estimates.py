"""What a dataset-generation run will ask of the providers, cost and take, before it runs.

The time bound is the critical path at the configured parallelism: an actor set is waves of
kontext edits; a style item is a grid, a vision answer, then its upscales batch after batch.
"""

import math

from actormaker.common.schemas.datagen import ActorMix
from actormaker.gateway.datagen.schemas import Estimate, ProviderCalls
from actormaker.gateway.settings import GatewaySettings

TILES_PER_GRID = 9


def grid_quotas(target: int) -> list[int]:
    """How many images each grid item keeps: nine each, the last one the rest."""
    full, rest = divmod(target, TILES_PER_GRID)
    return [TILES_PER_GRID] * full + ([rest] if rest else [])


def actor_estimate(mix: ActorMix, settings: GatewaySettings) -> Estimate:
    calls = ProviderCalls(kontext=mix.total, upscale=0, vision=0)
    waves = math.ceil(mix.total / settings.datagen_parallelism)
    return Estimate(
        images=mix.total,
        items=mix.total,
        provider_calls=calls,
        most_provider_calls=calls,
        cost_usd=_cost(calls, settings),
        most_cost_usd=_cost(calls, settings),
        time_bound_s=waves * settings.datagen_kontext_s,
    )


def style_estimate(target: int, settings: GatewaySettings) -> Estimate:
    quotas = grid_quotas(target)
    grids = len(quotas)
    most_grids = grids * settings.datagen_max_grids
    calls = ProviderCalls(kontext=grids, upscale=target, vision=grids)
    # A grid that fell short is followed by another, which upscales at most the shortfall.
    most = ProviderCalls(
        kontext=most_grids, upscale=target * settings.datagen_max_grids, vision=most_grids
    )
    waves = math.ceil(grids / settings.datagen_parallelism)
    batches = math.ceil(max(quotas) / settings.datagen_upscale_batch)
    per_item = (
        settings.datagen_kontext_s
        + settings.datagen_vision_s
        + batches * settings.datagen_upscale_s
    )
    return Estimate(
        images=target,
        items=grids,
        provider_calls=calls,
        most_provider_calls=most,
        cost_usd=_cost(calls, settings),
        most_cost_usd=_cost(most, settings),
        time_bound_s=waves * per_item,
    )


def _cost(calls: ProviderCalls, settings: GatewaySettings) -> float:
    total = (
        calls.kontext * settings.datagen_price_kontext_usd
        + calls.upscale * settings.datagen_price_upscale_usd
        + calls.vision * settings.datagen_price_vision_usd
    )
    return round(total, 4)
