"""ENVIRONMENT=production refuses guessable credentials, emulators and short keys at start,
naming each setting; /docs is only served there when enabled."""

import asyncio
import os
import sys

import pytest
from pydantic import SecretStr

from actormaker.common.production import UnsafeForProduction
from actormaker.common.replicate import ReplicateSettings
from actormaker.common.runpod import RunPodSettings
from actormaker.common.settings import CommonSettings
from actormaker.common.vision import OpenAISettings
from actormaker.datagen.settings import DatagenSettings
from actormaker.datagen.worker import Providers, datagen_service
from actormaker.gateway.main import create_app
from actormaker.gateway.settings import GatewaySettings
from actormaker.img2img.settings import Img2ImgSettings
from actormaker.img2img.worker import img2img_service

GOOD_KEY = "k" * 40
SAFE = {
    "environment": "production",
    "api_key": SecretStr(GOOD_KEY),
    "database_url": "postgresql://actormaker:Xq9-long-real-password@db:5432/actormaker",
    "s3_endpoint_url": "https://s3.eu-west-1.amazonaws.com",
}


def problems_of(**changes: object) -> list[str]:
    with pytest.raises(UnsafeForProduction) as refused:
        create_app(GatewaySettings(**SAFE | changes))
    return refused.value.problems


def test_a_safe_production_gateway_starts_without_docs() -> None:
    app = create_app(GatewaySettings(**SAFE))

    assert app.docs_url is None
    assert app.openapi_url is None
    assert create_app(GatewaySettings(**SAFE, docs_enabled=True)).docs_url == "/docs"


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"api_key": None}, "API_KEY is not set"),
        ({"api_key": SecretStr("short-key")}, "API_KEY is shorter than 32 characters"),
        ({"api_key": SecretStr("local-dev")}, "API_KEY is an example"),
        (
            {"database_url": "postgresql://actormaker:actormaker@db/x"},
            "DATABASE_URL has an example",
        ),
        ({"aws_secret_access_key": SecretStr("minioadmin")}, "AWS_SECRET_ACCESS_KEY is an example"),
        ({"s3_endpoint_url": "http://127.0.0.1:14566"}, "S3_ENDPOINT_URL=http://127.0.0.1:14566"),
        ({"s3_endpoint_url": "http://moto:5000"}, "points at an emulator"),
        ({"cors_origins": ["https://console.example.com", "*"]}, "CORS_ORIGINS allows every"),
    ],
)
def test_each_unsafe_setting_is_named(changes: dict[str, object], named: str) -> None:
    assert any(named in problem for problem in problems_of(**changes)), problems_of(**changes)


def test_emulated_provider_keys_and_urls_stop_a_worker() -> None:
    common = CommonSettings(environment="production")
    emulated = RunPodSettings(api_key=SecretStr("emulated"), base_url="http://127.0.0.1:14100/v2")

    with pytest.raises(UnsafeForProduction) as refused:
        img2img_service(common, Img2ImgSettings(), emulated)

    assert refused.value.problems == [
        "RUNPOD_API_KEY is an example or default value; set a real one",
        "RUNPOD_BASE_URL=http://127.0.0.1:14100/v2 points at an emulator or this machine, "
        "not the provider",
    ]


async def test_the_gateway_process_exits_with_the_settings_named() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "ENVIRONMENT": "production",
        "API_KEY": "tiny",
        "AWS_ACCESS_KEY_ID": "testing",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "actormaker.gateway",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode != 0
    assert "API_KEY is shorter than 32 characters" in output.decode()
    assert "AWS_ACCESS_KEY_ID is an example" in output.decode()


def test_the_dataset_generator_refuses_emulated_replicate_and_openai() -> None:
    common = CommonSettings(environment="production")
    providers = Providers(
        replicate=ReplicateSettings(
            api_key=SecretStr("emulated"), base_url="http://127.0.0.1:14101"
        ),
        openai=OpenAISettings(api_key=None, base_url="http://127.0.0.1:14102/v1"),
    )

    with pytest.raises(UnsafeForProduction) as refused:
        datagen_service(common, DatagenSettings(), providers)

    problems = "\n".join(refused.value.problems)
    assert "REPLICATE_API_TOKEN is an example or default value" in problems
    assert "REPLICATE_BASE_URL=http://127.0.0.1:14101 points at an emulator" in problems
    assert "OPENAI_API_KEY is not set" in problems
    assert "OPENAI_BASE_URL=http://127.0.0.1:14102/v1 points at an emulator" in problems
