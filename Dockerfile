# One production image for every service; the command picks the service:
#   docker run actormaker:TAG actormaker.gateway | actormaker.img2img | actormaker.s3sync |
#   actormaker.datagen | actormaker.training
# It holds the gateway, the workers, actormaker-common and their locked third-party
# dependencies, and nothing else: no emulators, moto, nats-server, pytest or ruff
# (deploy/install-production.sh; tests/deploy/test_production_image.py checks the set).
# It runs as uid 10001. The default target is `production`, the last stage;
# `--target emulators` builds the provider emulators for the compose `emulators` profile.
# Base images are pinned to exact versions; bump them together with docs/deploy.md.
# Needs BuildKit (Docker's default builder since 23.0) for the RUN --mount cache.

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# Both build stages: uv, the workspace's manifests and the lock, nothing of our code yet.
FROM python:3.11.16-slim-bookworm AS build-base
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3
WORKDIR /app
# uv reads the whole workspace to use the lock, so every member's manifest is copied; only the
# members an image installs are copied with their code.
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/
COPY libs/emulators/pyproject.toml libs/emulators/
COPY services/gateway/pyproject.toml services/gateway/
COPY services/img2img/pyproject.toml services/img2img/
COPY services/s3sync/pyproject.toml services/s3sync/
COPY services/datagen/pyproject.toml services/datagen/
COPY services/training/pyproject.toml services/training/
COPY tools/devstack/pyproject.toml tools/devstack/
COPY tools/cli/pyproject.toml tools/cli/
COPY deploy/install-production.sh deploy/

FROM build-base AS build
# Dependencies first, so a change to our code does not reinstall them.
RUN --mount=type=cache,target=/root/.cache/uv sh deploy/install-production.sh --no-install-workspace
COPY libs/common libs/common
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv sh deploy/install-production.sh

# The production set plus actormaker-emulators, for the compose `emulators` profile only.
FROM build AS build-emulators
COPY libs/emulators libs/emulators
RUN --mount=type=cache,target=/root/.cache/uv \
    sh deploy/install-production.sh --package actormaker-emulators

# What both images run on: the same Python, no uv, no build tools, a user without privileges.
FROM python:3.11.16-slim-bookworm AS runtime
RUN groupadd --gid 10001 actormaker \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin actormaker \
    && mkdir -p /app/var && chown actormaker:actormaker /app/var
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 LOG_FORMAT=json
ENTRYPOINT ["python", "-m"]

FROM runtime AS emulators
COPY --from=build-emulators /app/.venv /app/.venv
USER 10001:10001
EXPOSE 8100
CMD ["actormaker.emulators", "runpod", "--host", "0.0.0.0", "--port", "8100"]

FROM runtime AS production
COPY --from=build /app/.venv /app/.venv
COPY workflows workflows
USER 10001:10001
# The gateway's port, and the workers' METRICS_PORT (/healthz, /metrics) as compose sets it.
EXPOSE 8000 9100
CMD ["actormaker.gateway"]
