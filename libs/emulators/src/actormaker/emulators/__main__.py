"""`python -m actormaker.emulators <provider> --host H --port P`: run one emulator with uvicorn."""

import argparse
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from actormaker.emulators.openai import OpenAIEmulatorConfig, create_openai_app
from actormaker.emulators.replicate import ReplicateEmulatorConfig, create_replicate_app
from actormaker.emulators.replicate_schemas import DEFAULT_WEBHOOK_SECRET
from actormaker.emulators.runpod import RunPodEmulatorConfig, create_runpod_app


def _runpod_app(args: argparse.Namespace) -> FastAPI:
    config = RunPodEmulatorConfig(
        api_key=args.api_key,
        latency_s=args.latency,
        workers=args.workers,
        output_format=args.output_format,
        seed=args.seed,
        training_s=args.training_seconds,
        training_output_bucket=args.training_bucket,
        s3_endpoint_url=args.s3_endpoint_url,
    )
    return create_runpod_app(config)


def _replicate_app(args: argparse.Namespace) -> FastAPI:
    config = ReplicateEmulatorConfig(
        api_token=args.api_token,
        latency_s=args.latency,
        long_side=args.long_side,
        webhook_secret=args.webhook_secret,
        seed=args.seed,
    )
    return create_replicate_app(config)


def _openai_app(args: argparse.Namespace) -> FastAPI:
    config = OpenAIEmulatorConfig(api_key=args.api_key, latency_s=args.latency, seed=args.seed)
    return create_openai_app(config)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m actormaker.emulators")
    providers = parser.add_subparsers(dest="provider", required=True)
    runpod = providers.add_parser("runpod", help="RunPod serverless + worker-comfyui")
    runpod.add_argument("--api-key", default=None, help="require 'Authorization: Bearer KEY'")
    runpod.add_argument("--latency", type=float, default=0.25, help="seconds per job")
    runpod.add_argument(
        "--workers", type=int, default=None, help="concurrent jobs (default: unlimited)"
    )
    runpod.add_argument("--output-format", choices=["list", "legacy"], default="list")
    runpod.add_argument("--training-seconds", type=float, default=2.0, help="per training run")
    runpod.add_argument("--training-bucket", default=None, help="where trained LoRAs go")
    runpod.add_argument(
        "--s3-endpoint-url", default=None, help="S3 for training data (keys: AWS_* variables)"
    )
    runpod.set_defaults(build=_runpod_app)
    replicate = providers.add_parser("replicate", help="Replicate predictions (flux, topaz)")
    replicate.add_argument("--api-token", default=None, help="require 'Bearer TOKEN'")
    replicate.add_argument("--latency", type=float, default=1.0, help="seconds per prediction")
    replicate.add_argument("--long-side", type=int, default=1024, help="of flux-kontext outputs")
    replicate.add_argument("--webhook-secret", default=DEFAULT_WEBHOOK_SECRET, help="whsec_...")
    replicate.set_defaults(build=_replicate_app)
    openai = providers.add_parser("openai", help="OpenAI chat completions (vision, JSON schema)")
    openai.add_argument("--api-key", default=None, help="require 'Authorization: Bearer KEY'")
    openai.add_argument("--latency", type=float, default=0.2, help="seconds per completion")
    openai.set_defaults(build=_openai_app)
    for sub in (runpod, replicate, openai):
        sub.add_argument("--seed", type=int, default=0)
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=8000)
        sub.add_argument("--log-level", default="info")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    build: Callable[[argparse.Namespace], FastAPI] = args.build
    uvicorn.run(build(args), host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
