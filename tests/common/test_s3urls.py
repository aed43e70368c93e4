import pytest

from actormaker.common.errors import InvalidInput
from actormaker.common.s3urls import (
    BucketAllowList,
    ForeignBucket,
    InvalidS3Url,
    S3Location,
    format_s3_url,
    parse_s3_url,
    plus_as_space_variant,
    validate_s3_key,
)

MOTO = "http://127.0.0.1:5000"
KEY = "system_actors/training_data/0002_european_35_female/0002_european_35_female_0.png"
V4_QUERY = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20250501%2Fus-west-1%2Fs3"
    "&X-Amz-Date=20250501T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=abc123"
)
V2_QUERY = "AWSAccessKeyId=AKIA&Signature=a%2Bb%3D&Expires=1746057600"

PARSED = [
    ("s3://story-boards-assets/" + KEY, "story-boards-assets", KEY, None),
    ("s3://bucket/my file with spaces.png", "bucket", "my file with spaces.png", None),
    ("s3://bucket/literal%20stays.png", "bucket", "literal%20stays.png", None),
    ("s3://bucket/prefix/", "bucket", "prefix/", None),
    (
        f"https://story-boards-assets.s3.us-west-1.amazonaws.com/{KEY}",
        "story-boards-assets",
        KEY,
        "us-west-1",
    ),
    ("https://bucket.s3.amazonaws.com/a/b.png", "bucket", "a/b.png", None),
    ("https://bucket.s3-us-west-2.amazonaws.com/a/b.png", "bucket", "a/b.png", "us-west-2"),
    ("https://s3.us-west-2.amazonaws.com/bucket/a/b.png", "bucket", "a/b.png", "us-west-2"),
    ("https://s3.amazonaws.com/bucket/a/b.png", "bucket", "a/b.png", None),
    ("https://s3-eu-west-1.amazonaws.com/bucket/a/b.png", "bucket", "a/b.png", "eu-west-1"),
    ("https://bucket.s3.dualstack.us-east-1.amazonaws.com/k.png", "bucket", "k.png", "us-east-1"),
    ("https://s3.dualstack.us-east-1.amazonaws.com/bucket/k.png", "bucket", "k.png", "us-east-1"),
    ("https://bucket.s3-accelerate.amazonaws.com/k.png", "bucket", "k.png", None),
    ("https://bucket.s3-accelerate.dualstack.amazonaws.com/k.png", "bucket", "k.png", None),
    ("https://bucket.s3.cn-north-1.amazonaws.com.cn/k.png", "bucket", "k.png", "cn-north-1"),
    (
        "https://s3.cn-northwest-1.amazonaws.com.cn/bucket/k.png",
        "bucket",
        "k.png",
        "cn-northwest-1",
    ),
    ("https://bucket.s3-fips.us-east-1.amazonaws.com/k.png", "bucket", "k.png", "us-east-1"),
    (
        "https://s3-fips.dualstack.us-gov-west-1.amazonaws.com/bucket/k.png",
        "bucket",
        "k.png",
        "us-gov-west-1",
    ),
    ("https://bucket.s3-website-us-east-1.amazonaws.com/k.png", "bucket", "k.png", "us-east-1"),
    (
        "https://bucket.s3-website.eu-central-1.amazonaws.com/k.png",
        "bucket",
        "k.png",
        "eu-central-1",
    ),
    ("https://my.dotted.bucket.s3.amazonaws.com/k.png", "my.dotted.bucket", "k.png", None),
    (
        "https://my.dotted.bucket.s3.eu-west-1.amazonaws.com/k.png",
        "my.dotted.bucket",
        "k.png",
        "eu-west-1",
    ),
    (
        "https://logs.s3.backup.s3-us-west-2.amazonaws.com/k.png",
        "logs.s3.backup",
        "k.png",
        "us-west-2",
    ),
    ("https://s3.amazonaws.com/my.dotted.bucket/k.png", "my.dotted.bucket", "k.png", None),
    (
        "https://bucket.s3.us-west-1.amazonaws.com/my%20file.png",
        "bucket",
        "my file.png",
        "us-west-1",
    ),
    ("https://bucket.s3.us-west-1.amazonaws.com/a%2Bb.png", "bucket", "a+b.png", "us-west-1"),
    ("https://bucket.s3.us-west-1.amazonaws.com/my+file.png", "bucket", "my+file.png", "us-west-1"),
    (
        "https://bucket.s3.us-west-1.amazonaws.com/%E2%9C%93/%C3%A9.png",
        "bucket",
        "✓/é.png",
        "us-west-1",
    ),
    (f"https://bucket.s3.us-west-1.amazonaws.com/{KEY}?{V4_QUERY}", "bucket", KEY, "us-west-1"),
    (f"https://bucket.s3.amazonaws.com/{KEY}?{V2_QUERY}", "bucket", KEY, None),
    (
        f"https://runpod-out.s3.us-east-2.amazonaws.com/05-25/sync-1a2b-e1/c67ad621.png?{V4_QUERY}",
        "runpod-out",
        "05-25/sync-1a2b-e1/c67ad621.png",
        "us-east-2",
    ),
    (
        "HTTPS://Bucket.S3.US-WEST-1.AMAZONAWS.COM/Case/Kept.png",
        "bucket",
        "Case/Kept.png",
        "us-west-1",
    ),
    (f"{MOTO}/test-bucket/a/b.png", "test-bucket", "a/b.png", None),
    (f"{MOTO}/test-bucket/a/b%20c.png?X-Amz-Signature=x", "test-bucket", "a/b c.png", None),
]


@pytest.mark.parametrize(("url", "bucket", "key", "region"), PARSED)
def test_every_url_form_parses_to_bucket_key_and_region(
    url: str, bucket: str, key: str, region: str | None
) -> None:
    assert parse_s3_url(url, custom_endpoints=[MOTO, "https://minio.example"]) == S3Location(
        bucket, key, region
    )


def test_custom_endpoint_matches_on_default_port_and_case() -> None:
    location = parse_s3_url(
        "HTTPS://MinIO.example:443/b-1/k", custom_endpoints=["https://minio.example/"]
    )

    assert location == S3Location("b-1", "k")


REJECTED = [
    ("https://example.com/bucket/key.png", [], "host example.com is neither AWS S3"),
    (f"{MOTO}/test-bucket/a.png", [], "neither AWS S3 nor a configured custom endpoint"),
    (f"{MOTO}/test-bucket/a.png", ["http://127.0.0.1:5001"], "nor a configured custom endpoint"),
    ("ftp://bucket.s3.amazonaws.com/key.png", [], "expected an s3:// URI or an http(s) URL"),
    ("not a url", [], "expected an s3:// URI"),
    ("https://ec2.us-east-1.amazonaws.com/bucket/key", [], "not an S3 endpoint"),
    ("https://bucket.s3.nowhere.amazonaws.com/key", [], "unknown S3 endpoint label 'nowhere'"),
    ("https://bucket.s3.us-west-1.amazonaws.com/", [], "no object key"),
    ("https://s3.us-west-1.amazonaws.com/bucket", [], "no object key"),
    ("https://s3.us-west-1.amazonaws.com/", [], "no bucket name"),
    ("s3://bucket", [], "no object key"),
    ("s3://Bad_Bucket/key", [], "bucket name 'Bad_Bucket' breaks the S3 naming rules"),
    ("s3://ab/key", [], "bucket name 'ab' breaks"),
    ("s3://192.168.1.1/key", [], "breaks the S3 naming rules"),
    ("https://s3.amazonaws.com/" + "b" * 64 + "/key", [], "breaks the S3 naming rules"),
    ("s3://bucket/a/../../etc/passwd", [], "has a '.' or '..' segment"),
    ("https://bucket.s3.amazonaws.com/a/%2E%2E/b", [], "has a '.' or '..' segment"),
    ("https://bucket.s3.amazonaws.com//etc/passwd", [], "starts with '/'"),
    ("s3://bucket/a//b", [], "empty path segment"),
    ("s3://bucket/a\\b", [], "NUL or a backslash"),
    ("https://bucket.s3.amazonaws.com/a%00b", [], "NUL or a backslash"),
]


@pytest.mark.parametrize(("url", "endpoints", "problem"), REJECTED)
def test_urls_that_are_not_usable_s3_locations_are_refused_with_the_reason(
    url: str, endpoints: list[str], problem: str
) -> None:
    with pytest.raises(InvalidS3Url) as caught:
        parse_s3_url(url, custom_endpoints=endpoints)

    assert problem in str(caught.value)
    assert repr(url) in str(caught.value)
    assert isinstance(caught.value, InvalidInput)


def test_allow_list_refuses_a_foreign_bucket_before_anything_is_fetched() -> None:
    allowed = BucketAllowList(["story-boards-assets"])
    evil = parse_s3_url("https://evil.s3.amazonaws.com/" + KEY)

    with pytest.raises(
        ForeignBucket, match=r"^bucket 'evil' is not on the allow-list \(story-boards-assets\)$"
    ):
        allowed.check(evil)
    own = parse_s3_url("s3://story-boards-assets/" + KEY)
    assert allowed.check(own) is own


@pytest.mark.parametrize("key", [KEY, "a b/c+d.png", "100%/x~y&z=1#frag?.png", "✓/é.png"])
@pytest.mark.parametrize(
    ("region", "style", "endpoint"),
    [
        ("us-west-1", "virtual", None),
        (None, "virtual", None),
        ("eu-central-1", "path", None),
        (None, "path", None),
        ("cn-north-1", "virtual", None),
        (None, "virtual", MOTO),
    ],
)
def test_formatted_urls_parse_back_to_the_same_location(
    key: str, region: str | None, style: str, endpoint: str | None
) -> None:
    for bucket in ("story-boards-assets", "my.dotted.bucket"):
        url = format_s3_url(bucket, key, region=region, style=style, endpoint=endpoint)

        assert parse_s3_url(url, custom_endpoints=[MOTO]) == S3Location(bucket, key, region)


def test_formatted_urls_encode_plus_and_space() -> None:
    assert format_s3_url("b-1", "a b+c.png", region="us-west-1") == (
        "https://b-1.s3.us-west-1.amazonaws.com/a%20b%2Bc.png"
    )
    assert S3Location("b-1", "k.png", "us-west-1").https_url() == (
        "https://b-1.s3.us-west-1.amazonaws.com/k.png"
    )
    assert S3Location("b-1", "a b.png").s3_uri == "s3://b-1/a b.png"


def test_plus_as_space_variant_only_exists_for_keys_with_a_plus() -> None:
    assert plus_as_space_variant("my+file+1.png") == "my file 1.png"
    assert plus_as_space_variant("plain.png") is None


@pytest.mark.parametrize("key", ["../x", "a/./b", "/abs", "a//b", "a\\b", "a\x00b", ""])
def test_validate_s3_key_refuses_keys_that_could_escape(key: str) -> None:
    with pytest.raises(InvalidS3Url):
        validate_s3_key(key)


def test_s3_location_cannot_be_built_with_a_bad_bucket() -> None:
    with pytest.raises(InvalidS3Url, match="breaks the S3 naming rules"):
        S3Location("UPPER", "k")
