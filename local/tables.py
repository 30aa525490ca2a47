"""Create DynamoDB tables exactly as template.yaml declares them.

DynamoDB Local and moto both get their tables from here, so a table used locally or in a test has
the key schema, indexes and TTL of the deployed one and cannot drift from it.

Only the properties that shape the data are applied: keys, attribute definitions, billing mode,
indexes, streams and TTL. Encryption, point-in-time recovery, deletion protection and tags change
nothing a local client can observe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
DEFAULT_LOGICAL_ID = "UsersTable"
TABLE_TYPE = "AWS::DynamoDB::Table"


class TemplateError(ValueError):
    """The template does not declare a table this module can create."""


class CloudFormationLoader(yaml.SafeLoader):
    """A safe YAML loader that reads CloudFormation's short-form tags as their long forms.

    `!Ref X` becomes `{"Ref": "X"}`, `!GetAtt A.B` becomes `{"Fn::GetAtt": ["A", "B"]}`,
    `!Condition C` becomes `{"Condition": "C"}` and every other `!Name v` becomes
    `{"Fn::Name": v}`, which is how CloudFormation itself expands them.
    """


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise TemplateError(f"Cannot read the value of !{suffix} at {node.start_mark}.")
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(template_path: Path | str = TEMPLATE) -> dict[str, Any]:
    with Path(template_path).open(encoding="utf-8") as f:
        template = yaml.load(f, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(template, dict):
        raise TemplateError(f"{template_path} is not a CloudFormation template (no mapping at the top).")
    return template


def table_definition(
    template_path: Path | str = TEMPLATE, logical_id: str = DEFAULT_LOGICAL_ID
) -> dict[str, Any]:
    """The `Properties` of the `AWS::DynamoDB::Table` resource `logical_id`, intrinsics in long form."""
    resources = load_template(template_path).get("Resources") or {}
    resource = resources.get(logical_id)
    if resource is None:
        tables = sorted(name for name, r in resources.items() if r.get("Type") == TABLE_TYPE)
        raise TemplateError(
            f"{template_path} has no resource {logical_id!r}; its DynamoDB tables are: "
            f"{', '.join(tables) or 'none'}."
        )
    if resource.get("Type") != TABLE_TYPE:
        raise TemplateError(
            f"Resource {logical_id!r} in {template_path} is a {resource.get('Type')}, not a {TABLE_TYPE}."
        )
    return dict(resource.get("Properties") or {})


def create_table_request(properties: dict[str, Any], table_name: str) -> dict[str, Any]:
    """The keyword arguments of boto3's `create_table` for a table declared by `properties`."""
    billing_mode = _literal(properties.get("BillingMode", "PROVISIONED"), "BillingMode")
    provisioned = billing_mode == "PROVISIONED"
    request: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": _required(properties, "AttributeDefinitions"),
        "KeySchema": _required(properties, "KeySchema"),
        "BillingMode": billing_mode,
    }
    if provisioned:
        request["ProvisionedThroughput"] = _throughput(properties, "the table")
    global_indexes = _literal(properties.get("GlobalSecondaryIndexes") or [], "GlobalSecondaryIndexes")
    if global_indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                **_index(index),
                **(
                    {"ProvisionedThroughput": _throughput(index, f"index {index['IndexName']}")}
                    if provisioned
                    else {}
                ),
            }
            for index in global_indexes
        ]
    local_indexes = _literal(properties.get("LocalSecondaryIndexes") or [], "LocalSecondaryIndexes")
    if local_indexes:
        request["LocalSecondaryIndexes"] = [_index(index) for index in local_indexes]
    stream = properties.get("StreamSpecification")
    if stream:
        view_type = _literal(stream["StreamViewType"], "StreamSpecification.StreamViewType")
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view_type}
    return request


def time_to_live(properties: dict[str, Any]) -> str | None:
    """The TTL attribute the template enables, or None."""
    spec = properties.get("TimeToLiveSpecification")
    if not spec or not _literal(spec.get("Enabled", False), "TimeToLiveSpecification.Enabled"):
        return None
    return str(_literal(spec["AttributeName"], "TimeToLiveSpecification.AttributeName"))


def create_table(
    client: Any,
    table_name: str,
    template_path: Path | str = TEMPLATE,
    logical_id: str = DEFAULT_LOGICAL_ID,
) -> dict[str, Any]:
    """Create `table_name` shaped as the template's table, wait until it is ACTIVE, enable its TTL.

    An existing table is kept (so local data survives restarts) if its key schema matches the
    template; if it does not, that is an error rather than a silently different table.
    Returns the table's description.
    """
    properties = table_definition(template_path, logical_id)
    request = create_table_request(properties, table_name)
    try:
        client.create_table(**request)
    except client.exceptions.ResourceInUseException:
        _check_existing(client, request)
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})

    ttl_attribute = time_to_live(properties)
    if ttl_attribute is not None:
        current = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
            )
    return dict(client.describe_table(TableName=table_name)["Table"])


def _check_existing(client: Any, request: dict[str, Any]) -> None:
    table = client.describe_table(TableName=request["TableName"])["Table"]
    same_keys = _keys(table["KeySchema"]) == _keys(request["KeySchema"])
    if not same_keys or _index_names(table) != _index_names(request):
        raise TemplateError(
            f"Table {request['TableName']!r} already exists with another key schema or other indexes "
            "than the template declares. Delete it (for DynamoDB Local: remove .local/dynamodb) and "
            "start again."
        )


def _keys(key_schema: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(key["AttributeName"], key["KeyType"]) for key in key_schema}


def _index_names(table: dict[str, Any]) -> set[str]:
    return {
        index["IndexName"]
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
        for index in table.get(kind) or []
    }


def _index(index: dict[str, Any]) -> dict[str, Any]:
    projection = {"ProjectionType": index["Projection"].get("ProjectionType", "ALL")}
    if index["Projection"].get("NonKeyAttributes"):
        projection["NonKeyAttributes"] = list(index["Projection"]["NonKeyAttributes"])
    return {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"], "Projection": projection}


def _throughput(properties: dict[str, Any], owner: str) -> dict[str, int]:
    throughput = properties.get("ProvisionedThroughput")
    if not throughput:
        raise TemplateError(f"A PROVISIONED table needs ProvisionedThroughput for {owner}.")
    return {
        "ReadCapacityUnits": int(_literal(throughput["ReadCapacityUnits"], "ReadCapacityUnits")),
        "WriteCapacityUnits": int(_literal(throughput["WriteCapacityUnits"], "WriteCapacityUnits")),
    }


def _required(properties: dict[str, Any], name: str) -> Any:
    if name not in properties:
        raise TemplateError(f"The table declares no {name}.")
    return _literal(properties[name], name)


def _literal(value: Any, name: str) -> Any:
    """`value` if no intrinsic function hides in it: those resolve only in CloudFormation."""
    if isinstance(value, dict):
        if _is_intrinsic(value):
            raise TemplateError(
                f"{name} uses {next(iter(value))}, which only CloudFormation can resolve; "
                "give the table's shape as literal values."
            )
        for key, item in value.items():
            _literal(item, f"{name}.{key}")
    elif isinstance(value, list):
        for item in value:
            _literal(item, name)
    return value


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    key = next(iter(value))
    return key in ("Ref", "Condition") or key.startswith("Fn::")
