# One image for every service; the command picks the service:
#   docker run actormaker actormaker.gateway | actormaker.img2img | actormaker.s3sync | ...
FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
# Dependencies first, so source changes do not reinstall them.
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/
COPY libs/emulators/pyproject.toml libs/emulators/
COPY services/gateway/pyproject.toml services/gateway/
COPY services/img2img/pyproject.toml services/img2img/
COPY services/s3sync/pyproject.toml services/s3sync/
COPY tools/devstack/pyproject.toml tools/devstack/
RUN uv sync --frozen --no-dev --no-install-workspace
COPY libs libs
COPY services services
COPY tools tools
COPY workflows workflows
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 actormaker
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/workflows /app/workflows
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 LOG_FORMAT=json
USER actormaker
ENTRYPOINT ["python", "-m"]
CMD ["actormaker.gateway"]
