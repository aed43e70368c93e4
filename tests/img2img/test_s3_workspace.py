"""With STORAGE=s3 the gateway and the worker share nothing but a bucket."""

from uuid import uuid4

from actormaker.common.s3client import s3_client_factory
from actormaker.common.storage import S3Storage
from tests.img2img.conftest import StackFactory
from tests.img2img.helpers import SCENES, generate, new_dataset, training_images


async def test_a_dataset_is_generated_into_an_s3_workspace(
    make_stack: StackFactory, s3_endpoint: str
) -> None:
    bucket = f"workspace-{uuid4().hex}"
    clients = s3_client_factory(
        endpoint_url=s3_endpoint, region="us-east-1", access_key="testing", secret_key="testing"
    )
    async with clients() as s3:
        await s3.create_bucket(Bucket=bucket)
    s3_settings = {
        "storage": "s3",
        "workspace_bucket": bucket,
        "s3_endpoint_url": s3_endpoint,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    async with make_stack(common=s3_settings) as stack:
        dataset = await new_dataset(stack, SCENES[:2])
        finished = await generate(stack, dataset.style_id, select="missing")
        assert finished.job["status"] == "succeeded"
        listed = await training_images(stack, dataset.style_id)
        assert set(listed) == set(dataset.images)
        served = await stack.client.get(listed[dataset.images[0]]["thumbnail_url"])
        assert served.status_code == 200

    keys = [info.key for info in await S3Storage(bucket=bucket, client_factory=clients).list("")]
    folder = dataset.style["folder"]
    for name in dataset.images:
        stem = name.removesuffix(".jpg")
        assert f"resources/input_images/{name}" in keys
        for extension in ("jpg", "json", "txt"):
            assert f"resources/style_images/{folder}/{stem}_training.{extension}" in keys
