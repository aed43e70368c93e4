"""`python -m actormaker.emulators <provider> --host H --port P`: run one emulator with uvicorn."""

import argparse
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from actormaker.emulators.runpod import RunPodEmulatorConfig, create_runpod_app


def _runpod_app(args: argparse.Namespace) -> FastAPI:
    config = RunPodEmulatorConfig(
        api_key=args.api_key,
        latency_s=args.latency,
        workers=args.workers,
        output_format=args.output_format,
        seed=args.seed,
    )
    return create_runpod_app(config)


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
    runpod.add_argument("--seed", type=int, default=0)
    runpod.set_defaults(build=_runpod_app)
    for sub in (runpod,):
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
