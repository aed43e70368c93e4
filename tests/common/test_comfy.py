import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from actormaker.common.comfy import (
    ComfyImage,
    InvalidWorkflow,
    WorkflowBinding,
    WorkflowTemplate,
    parse_comfy_output,
)
from actormaker.common.errors import InvalidInput, PermanentError

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
PNG_BYTES = b"\x89PNG\r\n\x1a\n fake image bytes"
PNG_B64 = base64.b64encode(PNG_BYTES).decode()
S3_URL = "https://bucket.s3.us-east-1.amazonaws.com/05-25/job-1-e1/c67ad621.png?X-Amz-Signature=x"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return json.loads((WORKFLOWS / "img2img_workflow.json").read_text())


@pytest.fixture(scope="module")
def binding() -> dict[str, list[str]]:
    return json.loads((WORKFLOWS / "img2img_workflow.binding.json").read_text())


@pytest.fixture(scope="module")
def template() -> WorkflowTemplate:
    return WorkflowTemplate.load(
        WORKFLOWS / "img2img_workflow.json", WORKFLOWS / "img2img_workflow.binding.json"
    )


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        pytest.param(
            {"images": [{"filename": "ComfyUI_00001_.png", "type": "base64", "data": PNG_B64}]},
            [ComfyImage(filename="ComfyUI_00001_.png", data=PNG_BYTES)],
            id="current-base64",
        ),
        pytest.param(
            {
                "images": [{"filename": "ComfyUI_00002_.png", "type": "s3_url", "data": S3_URL}],
                "errors": ["a non-fatal warning"],
            },
            [ComfyImage(filename="ComfyUI_00002_.png", url=S3_URL)],
            id="current-s3-url",
        ),
        pytest.param(
            {"status": "success", "message": PNG_B64},
            [ComfyImage(data=PNG_BYTES)],
            id="legacy-base64",
        ),
        pytest.param(
            {"status": "success", "message": S3_URL, "refresh_worker": False},
            [ComfyImage(url=S3_URL)],
            id="legacy-url",
        ),
        pytest.param(
            {"job_results": {"images": [{"type": "base64", "data": PNG_B64}]}},
            [ComfyImage(data=PNG_BYTES)],
            id="nested-job-results",
        ),
        pytest.param(
            {"output": {"images": [S3_URL, "data:image/png;base64," + PNG_B64]}},
            [ComfyImage(url=S3_URL), ComfyImage(data=PNG_BYTES)],
            id="nested-output-plain-strings",
        ),
    ],
)
def test_parse_comfy_output_reads_every_known_format(
    output: object, expected: list[ComfyImage]
) -> None:
    assert parse_comfy_output(output) == expected


@pytest.mark.parametrize(
    ("output", "message"),
    [
        pytest.param(
            {"status": "success_no_images", "images": []},
            "workflow produced no images",
            id="no-images",
        ),
        pytest.param({"images": []}, "workflow produced no images", id="empty-list"),
        pytest.param(
            {"status": "error", "message": "Some images failed to upload", "details": ["bad b64"]},
            "Some images failed to upload: bad b64",
            id="legacy-error",
        ),
        pytest.param({"foo": "x" * 500}, "unrecognised worker-comfyui output", id="unknown"),
        pytest.param(None, "unrecognised worker-comfyui output: null", id="missing"),
        pytest.param(
            {"images": [{"type": "base64", "data": "not base64!"}]},
            "neither a URL nor valid base64",
            id="bad-base64",
        ),
        pytest.param(
            {"images": [{"type": "gif", "data": "abc"}]}, "unknown type 'gif'", id="bad-type"
        ),
    ],
)
def test_parse_comfy_output_refuses_failures_and_unknown_shapes(
    output: object, message: str
) -> None:
    with pytest.raises(PermanentError, match=re.escape(message)) as raised:
        parse_comfy_output(output)

    assert len(str(raised.value)) < 300


def test_template_loads_the_img2img_workflow_files(template: WorkflowTemplate) -> None:
    assert {"source_image", "prompt", "seed", "denoise", "width", "height"} <= template.params
    assert template.fill({})["216"]["class_type"] == "easy loadImageBase64"


def test_fill_sets_every_bound_input_and_leaves_the_template_untouched(
    template: WorkflowTemplate, workflow: dict[str, Any], binding: dict[str, list[str]]
) -> None:
    values: dict[str, str | int | float] = {
        name: (index if name not in {"prompt", "source_image"} else f"text-{index}")
        for index, name in enumerate(sorted(binding), start=1)
    }

    filled = template.fill(values)

    for name, targets in binding.items():
        for target in targets:
            node, input_name = target.split(".", 1)
            assert filled[node]["inputs"][input_name] == values[name]
    assert filled["150"]["inputs"]["model"] == ["205", 0]
    assert template.fill({}) == workflow
    filled["150"]["inputs"]["steps"] = 99
    assert template.fill({})["150"]["inputs"]["steps"] == 20


def test_fill_keeps_template_values_for_params_not_given(template: WorkflowTemplate) -> None:
    filled = template.fill({"prompt": "a movie scene of a harbour"})

    assert filled["132"]["inputs"]["t5xxl"] == "a movie scene of a harbour"
    assert filled["132"]["inputs"]["clip_l"] == "a movie scene of a harbour"
    assert filled["150"]["inputs"]["steps"] == 20
    assert filled["205"]["inputs"]["strength_model"] == 0.8


def test_fill_refuses_unknown_parameters(template: WorkflowTemplate) -> None:
    with pytest.raises(InvalidWorkflow, match="unknown workflow parameter"):
        template.fill({"promt": "typo"})


def test_template_copies_its_input(workflow: dict[str, Any], binding: dict[str, list[str]]) -> None:
    mine = copy.deepcopy(workflow)
    template = WorkflowTemplate.from_dicts(mine, binding)

    mine["150"]["inputs"]["steps"] = 1

    assert template.fill({})["150"]["inputs"]["steps"] == 20


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source_image": ["999.base64_data"]}, "workflow lacks node 999 bound to 'source_image'"),
        (
            {"denoise": ["150.denoise_strength"]},
            "node 150 (KSampler) has no input 'denoise_strength' bound to 'denoise'",
        ),
        ({"model": ["150.model"]}, "input 'model' is a link, not a value"),
        ({"seed": "150.seed"}, "non-empty list"),
        ({"seed": []}, "non-empty list"),
        ({"seed": ["150seed"]}, "not of the form 'node.input'"),
    ],
)
def test_binding_that_does_not_match_the_workflow_is_refused_at_load(
    workflow: dict[str, Any], binding: dict[str, list[str]], change: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidWorkflow, match=re.escape(message)) as raised:
        WorkflowTemplate.from_dicts(workflow, {**binding, **change})

    assert isinstance(raised.value, InvalidInput)


def test_binding_file_that_is_not_a_binding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.binding.json"
    path.write_text(json.dumps({"seed": [1, 2]}))

    with pytest.raises(InvalidWorkflow, match=re.escape("broken.binding.json")):
        WorkflowBinding.load(path)


def test_ui_format_workflow_is_refused(binding: dict[str, list[str]]) -> None:
    ui_workflow = {"last_node_id": 216, "nodes": [{"id": 216, "type": "KSampler"}], "links": []}

    with pytest.raises(InvalidWorkflow, match=r"UI format.*API format"):
        WorkflowTemplate.from_dicts(ui_workflow, binding)


@pytest.mark.parametrize(
    ("bad_workflow", "message"),
    [
        ({}, "non-empty JSON object"),
        ({"workflow_info": {"name": "x"}}, "'workflow_info' is not an API-format node"),
        (
            {"1": {"class_type": "VAEDecode", "inputs": {"samples": ["7", 0]}}},
            "input 'samples' links to missing node 7",
        ),
    ],
)
def test_malformed_api_workflows_are_refused(bad_workflow: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidWorkflow, match=re.escape(message)):
        WorkflowTemplate.from_dicts(bad_workflow, {})


def test_workflow_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text("{not json")
    (tmp_path / "b.json").write_text("{}")

    with pytest.raises(InvalidWorkflow, match=re.escape("w.json is not JSON")):
        WorkflowTemplate.load(tmp_path / "w.json", tmp_path / "b.json")


def test_img2img_workflow_file_matches_the_original_graph(workflow: dict[str, Any]) -> None:
    classes = {node_id: node["class_type"] for node_id, node in workflow.items()}

    assert classes == {
        "1": "UNETLoader",
        "2": "VAELoader",
        "3": "DualCLIPLoaderGGUF",
        "51": "CLIPTextEncodeFlux",
        "132": "CLIPTextEncodeFlux",
        "148": "VAEDecode",
        "150": "KSampler",
        "205": "LoraLoader",
        "210": "SaveImage",
        "214": "VAEEncode",
        "215": "easy imageScaleDown",
        "216": "easy loadImageBase64",
    }
    sampler = workflow["150"]["inputs"]
    assert (sampler["model"], sampler["positive"], sampler["negative"]) == (
        ["205", 0],
        ["132", 0],
        ["51", 0],
    )
    assert sampler["latent_image"] == ["214", 0]
    assert workflow["132"]["inputs"]["clip"] == ["205", 1]
    assert workflow["51"]["inputs"]["clip"] == ["3", 0]
