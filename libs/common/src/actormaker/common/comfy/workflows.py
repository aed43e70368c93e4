"""ComfyUI API-format workflow templates and the bindings that name their parameters.

A workflow maps node id -> {"class_type", "inputs", "_meta"?}; an input is a literal or a link
["<node id>", <slot>]. A binding maps a logical parameter to the literal inputs it sets:
{"prompt": ["132.t5xxl", "132.clip_l"], "seed": ["150.seed"], ...}. Templates are checked when
loaded, so a binding that no longer matches its workflow fails at start-up, not mid-batch.
"""

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, RootModel, ValidationError, field_validator

from actormaker.common.errors import InvalidInput

ParamValue = str | int | float
Workflow = dict[str, dict[str, Any]]


class InvalidWorkflow(InvalidInput):
    """A workflow or binding that cannot be used."""


class InputRef(BaseModel):
    """One node input, written "node.input" in binding files."""

    model_config = ConfigDict(frozen=True)

    node: str
    input: str

    @classmethod
    def parse(cls, text: str) -> Self:
        node, dot, name = text.partition(".")
        if not (node and dot and name):
            raise ValueError(f"{text!r} is not of the form 'node.input'")
        return cls(node=node, input=name)

    def __str__(self) -> str:
        return f"{self.node}.{self.input}"


class WorkflowBinding(RootModel[dict[str, tuple[InputRef, ...]]]):
    """Logical parameter name -> the node inputs it sets."""

    @field_validator("root", mode="before")
    @classmethod
    def _parse_targets(cls, value: object) -> object:
        if not isinstance(value, Mapping):
            return value
        parsed: dict[object, object] = {}
        for param, targets in value.items():
            if isinstance(targets, str) or not isinstance(targets, Sequence) or not targets:
                raise ValueError(f"parameter {param!r} needs a non-empty list of 'node.input'")
            parsed[param] = tuple(
                InputRef.parse(target) if isinstance(target, str) else target for target in targets
            )
        return parsed

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read a binding JSON file."""
        try:
            return cls.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise InvalidWorkflow(f"binding {path.name} is invalid: {exc}") from exc

    @property
    def params(self) -> frozenset[str]:
        return frozenset(self.root)


class WorkflowTemplate:
    """An API-format workflow plus its binding, validated against each other."""

    def __init__(self, workflow: Mapping[str, Any], binding: WorkflowBinding) -> None:
        self._workflow = _check_api_format(workflow)
        self._binding = binding
        _check_links(self._workflow)
        _check_binding(self._workflow, binding)

    @classmethod
    def load(cls, workflow_path: Path, binding_path: Path) -> Self:
        """Read and validate a workflow file and its binding file."""
        try:
            workflow = json.loads(workflow_path.read_bytes())
        except ValueError as exc:
            raise InvalidWorkflow(f"workflow {workflow_path.name} is not JSON: {exc}") from exc
        return cls(workflow, WorkflowBinding.load(binding_path))

    @classmethod
    def from_dicts(cls, workflow: Mapping[str, Any], binding: Mapping[str, Sequence[str]]) -> Self:
        """Validate a workflow and a binding given as plain JSON-like data."""
        try:
            parsed = WorkflowBinding.model_validate(binding)
        except ValidationError as exc:
            raise InvalidWorkflow(f"binding is invalid: {exc}") from exc
        return cls(workflow, parsed)

    @property
    def binding(self) -> WorkflowBinding:
        return self._binding

    @property
    def params(self) -> frozenset[str]:
        return self._binding.params

    def fill(self, params: Mapping[str, ParamValue]) -> Workflow:
        """A deep copy of the workflow with the given parameters set; others keep their value."""
        unknown = sorted(set(params) - self.params)
        if unknown:
            known = ", ".join(sorted(self.params))
            raise InvalidWorkflow(f"unknown workflow parameter(s) {unknown} (known: {known})")
        workflow = copy.deepcopy(self._workflow)
        for param, value in params.items():
            for ref in self._binding.root[param]:
                workflow[ref.node]["inputs"][ref.input] = value
        return workflow


def _check_api_format(workflow: object) -> Workflow:
    if not isinstance(workflow, Mapping) or not workflow:
        raise InvalidWorkflow("workflow must be a non-empty JSON object of nodes")
    if isinstance(workflow.get("nodes"), list) or isinstance(workflow.get("links"), list):
        raise InvalidWorkflow(
            "workflow is in ComfyUI's UI format (it has 'nodes'/'links' arrays); "
            "export it in API format ('Export (API)') instead"
        )
    for node_id, node in workflow.items():
        if not (
            isinstance(node, Mapping)
            and isinstance(node.get("class_type"), str)
            and isinstance(node.get("inputs"), Mapping)
        ):
            raise InvalidWorkflow(
                f"workflow entry {node_id!r} is not an API-format node "
                "(needs 'class_type' and 'inputs')"
            )
    return copy.deepcopy(dict(workflow))


def _is_link(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
    )


def _check_links(workflow: Workflow) -> None:
    for node_id, node in workflow.items():
        for name, value in node["inputs"].items():
            if _is_link(value) and value[0] not in workflow:
                raise InvalidWorkflow(
                    f"node {node_id} ({node['class_type']}) input {name!r} "
                    f"links to missing node {value[0]}"
                )


def _check_binding(workflow: Workflow, binding: WorkflowBinding) -> None:
    for param, refs in binding.root.items():
        for ref in refs:
            node = workflow.get(ref.node)
            if node is None:
                raise InvalidWorkflow(f"workflow lacks node {ref.node} bound to {param!r}")
            label = f"node {ref.node} ({node['class_type']})"
            if ref.input not in node["inputs"]:
                raise InvalidWorkflow(f"{label} has no input {ref.input!r} bound to {param!r}")
            if _is_link(node["inputs"][ref.input]):
                raise InvalidWorkflow(
                    f"{label} input {ref.input!r} is a link, not a value; cannot bind {param!r}"
                )
