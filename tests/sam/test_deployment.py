"""What `sam deploy` would create, proved without AWS: lint, security scan, SAM's own translation.

The template is translated by aws-sam-translator (the code behind the AWS::Serverless transform)
with the parameter values of each environment in samconfig.toml, and the API definition inside
it is then resolved as CloudFormation would resolve it, conditions and all. What stays unproved
is what only AWS can show: that API Gateway imports the definition as intended.
"""

import functools
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.sam.sam_tools import (
    CFN_LINT,
    CHECKOV,
    ROOT,
    SAM_PYTHON,
    TEMPLATE,
    TEMPLATE_VIEW,
    TRANSLATE,
    load_spec,
    run_tool,
    sam_python_json,
    spec_operations,
)

pytestmark = pytest.mark.sam

SAMCONFIG = ROOT / "samconfig.toml"
PUBLIC_OPERATIONS = {"getHealth"}
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example"
AUTH_ON = {"JwtIssuer": ISSUER, "JwtAudience": "client-one,client-two"}
CORS_ON = {"CorsAllowOrigins": "https://app.example.com,https://admin.example.com"}
NO_VALUE = object()


def environment_overrides(environment: str) -> dict[str, str]:
    """The parameter values `sam deploy --config-env <environment>` passes."""
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    overrides = config[environment]["deploy"]["parameters"].get("parameter_overrides", [])
    return dict(item.split("=", 1) for item in overrides)


@functools.cache
def translated(overrides: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    template: dict[str, Any] = sam_python_json(TRANSLATE, str(TEMPLATE), json.dumps(dict(overrides)))
    return template


def translate(**overrides: str) -> dict[str, Any]:
    return translated(tuple(sorted(overrides.items())))


# CloudFormation's resolution of the intrinsics the API definition uses, for one set of parameters.


def parameter_values(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, declared in template["Parameters"].items():
        raw = overrides.get(name, declared.get("Default"))
        values[name] = raw.split(",") if declared["Type"] == "CommaDelimitedList" else raw
    return values


def condition_values(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, bool]:
    conditions = template.get("Conditions", {})

    def truth(node: Any) -> bool:
        (function, argument), *_ = node.items()
        if function == "Condition":
            return truth(conditions[argument])
        if function == "Fn::Equals":
            left, right = (parameters[a["Ref"]] if isinstance(a, dict) else a for a in argument)
            return bool(left == right)
        if function == "Fn::Not":
            return not truth(argument[0])
        if function == "Fn::And":
            return all(truth(a) for a in argument)
        if function == "Fn::Or":
            return any(truth(a) for a in argument)
        raise AssertionError(f"condition function {function} is not resolved here")

    return {name: truth(node) for name, node in conditions.items()}


def resolve(node: Any, parameters: dict[str, Any], conditions: dict[str, bool]) -> Any:
    if isinstance(node, list):
        items = (resolve(item, parameters, conditions) for item in node)
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (function, argument), *_ = node.items()
        if function == "Ref" and argument == "AWS::NoValue":
            return NO_VALUE
        if function == "Ref" and argument in parameters:
            return parameters[argument]
        if function == "Fn::If":
            name, when_true, when_false = argument
            return resolve(when_true if conditions[name] else when_false, parameters, conditions)
        if function == "Fn::Split":
            delimiter, value = argument
            return str(resolve(value, parameters, conditions)).split(delimiter)
    members = ((key, resolve(value, parameters, conditions)) for key, value in node.items())
    return {key: value for key, value in members if value is not NO_VALUE}


def deployed_definition(**overrides: str) -> dict[str, Any]:
    """The OpenAPI document API Gateway would import, for these parameter values."""
    template = translate(**overrides)
    parameters = parameter_values(template, overrides)
    body = template["Resources"]["UsersApi"]["Properties"]["Body"]
    resolved: dict[str, Any] = resolve(body, parameters, condition_values(template, parameters))
    return resolved


def operations_of(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    methods = {method.lower() for method, _ in spec_operations().values()}
    return {
        operation["operationId"]: operation
        for item in definition["paths"].values()
        for method, operation in item.items()
        if method in methods
    }


def intrinsics(node: Any) -> list[tuple[str, Any]]:
    """Every (function, argument) pair inside a node, outermost first."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        if len(node) == 1:
            (key, value), *_ = node.items()
            if key == "Ref" or key.startswith("Fn::"):
                found.append((key, value))
        for value in node.values():
            found += intrinsics(value)
    elif isinstance(node, list):
        for item in node:
            found += intrinsics(item)
    return found


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


# Lint and scan.


def test_cfn_lint_reports_nothing() -> None:
    result = run_tool(CFN_LINT, str(TEMPLATE), timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr


def checkov(path: Path) -> dict[str, Any]:
    # --skip-download: no guidelines fetched from Prisma Cloud; the checks themselves are local.
    result = run_tool(
        CHECKOV, "--file", str(path), "--framework", "cloudformation", "--skip-download", "--output", "json"
    )
    assert result.stdout, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def describe_failures(report: dict[str, Any]) -> list[str]:
    return [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in report["results"]["failed_checks"]]


def test_checkov_passes_the_template_or_each_skip_says_why() -> None:
    report = checkov(TEMPLATE)

    assert report["summary"]["parsing_errors"] == 0
    assert describe_failures(report) == []
    assert report["summary"]["passed"] > 0
    unexplained = [
        f"{c['check_id']} {c['resource']}"
        for c in report["results"]["skipped_checks"]
        if len((c["check_result"].get("suppress_comment") or "").split()) < 5
    ]
    assert unexplained == [], "every skipped check needs a comment saying why"


def test_checkov_passes_the_cloudformation_sam_makes_of_it(tmp_path: Path) -> None:
    # The roles, stage and alias SAM generates are only visible after translation.
    path = tmp_path / "translated.json"
    path.write_text(json.dumps(translate(**environment_overrides("prod"), **AUTH_ON)))

    report = checkov(path)

    assert report["summary"]["parsing_errors"] == 0
    assert describe_failures(report) == []
    checked = {c["resource"] for c in report["results"]["passed_checks"]}
    assert {"AWS::ApiGatewayV2::Stage.UsersApiStage", "AWS::IAM::Role.UsersFunctionRole"} <= checked


# The spec as a contract and as an API Gateway definition.


def test_spec_is_valid_openapi() -> None:
    validate(load_spec())


def test_every_operation_but_health_requires_the_jwt_scheme_in_the_spec() -> None:
    spec = load_spec()
    operations = operations_of(spec)

    assert "x-amazon-apigateway-authorizer" in spec["components"]["securitySchemes"]["UsersJwt"]
    # Each operation says it itself, so API Gateway never has to apply a document-wide default.
    assert {op_id: op.get("security") for op_id, op in operations.items()} == {
        op_id: [] if op_id in PUBLIC_OPERATIONS else [{"UsersJwt": []}] for op_id in operations
    }


def test_intrinsics_in_the_spec_name_only_what_the_template_declares() -> None:
    template = translate()
    known = set(template["Parameters"]) | set(template["Resources"]) | {"AWS::NoValue"}
    body = template["Resources"]["UsersApi"]["Properties"]["Body"]

    for function, argument in intrinsics(body):
        if function == "Ref":
            assert argument in known, f"Ref {argument} names nothing in the template"
        elif function == "Fn::If":
            assert argument[0] in template["Conditions"], f"Fn::If names no condition {argument[0]}"
        else:
            assert function in ("Fn::Sub", "Fn::Split"), f"{function} is not resolved in the tests"


@pytest.mark.parametrize(
    "overrides",
    [{}, AUTH_ON, CORS_ON, {**environment_overrides("prod"), **AUTH_ON, **CORS_ON}],
    ids=["defaults", "jwt-auth", "cors", "prod-with-auth-and-cors"],
)
def test_deployed_definition_is_valid_openapi(overrides: dict[str, str]) -> None:
    validate(deployed_definition(**overrides))


def test_deployed_definition_has_no_authorizer_without_an_issuer() -> None:
    definition = deployed_definition()

    assert "x-amazon-apigateway-authorizer" not in definition["components"]["securitySchemes"]["UsersJwt"]
    assert "Authorizers" not in json.dumps(translate()["Resources"]["UsersApi"])


def test_deployed_definition_has_a_jwt_authorizer_with_an_issuer() -> None:
    definition = deployed_definition(**AUTH_ON)

    authorizer = definition["components"]["securitySchemes"]["UsersJwt"]["x-amazon-apigateway-authorizer"]
    assert authorizer == {
        "type": "jwt",
        "identitySource": "$request.header.Authorization",
        "jwtConfiguration": {"issuer": ISSUER, "audience": ["client-one", "client-two"]},
    }
    operations = operations_of(definition)
    protected = {op_id for op_id, op in operations.items() if op.get("security") == [{"UsersJwt": []}]}
    assert protected == set(spec_operations()) - PUBLIC_OPERATIONS
    assert operations["getHealth"]["security"] == []


def test_an_issuer_without_an_audience_is_refused_before_deploying() -> None:
    rule = translate()["Rules"]["AudienceWithIssuer"]

    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}]}


def test_cors_comes_from_one_parameter_for_api_gateway_and_the_function() -> None:
    assert "x-amazon-apigateway-cors" not in deployed_definition()

    cors = deployed_definition(**CORS_ON)["x-amazon-apigateway-cors"]
    assert cors["allowOrigins"] == CORS_ON["CorsAllowOrigins"].split(",")
    assert {"authorization", "content-type", "if-match", "idempotency-key"} <= set(cors["allowHeaders"])
    assert {"etag", "location", "retry-after"} <= set(cors["exposeHeaders"])
    assert cors["allowCredentials"] is False
    variables = translate()["Resources"]["UsersFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["CORS_ALLOW_ORIGINS"] == {"Ref": "CorsAllowOrigins"}


# Resources, as SAM translates them.


def test_every_integration_invokes_the_live_alias_which_api_gateway_may_invoke() -> None:
    template = translate()
    definition = deployed_definition()
    uris = {
        op_id: op["x-amazon-apigateway-integration"]["uri"] for op_id, op in operations_of(definition).items()
    }

    assert set(uris) == set(spec_operations())
    for op_id, uri in uris.items():
        assert "/functions/${UsersFunctionAliaslive}/invocations" in uri["Fn::Sub"], op_id
    alias = template["Resources"]["UsersFunctionAliaslive"]
    assert alias["Type"] == "AWS::Lambda::Alias"
    assert alias["Properties"]["Name"] == "live"
    permission = template["Resources"]["UsersApiInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "UsersFunctionAliaslive"}
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert "${UsersApi}/" in permission["SourceArn"]["Fn::Sub"]


def test_stage_writes_access_logs_and_throttles_every_route() -> None:
    stage = translate()["Resources"]["UsersApiStage"]["Properties"]

    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["UsersApiAccessLogs", "Arn"]}
    fields = json.loads(stage["AccessLogSettings"]["Format"])
    assert {"requestId", "status", "routeKey", "latencyMs", "integrationError", "authorizerError"} <= set(
        fields
    )
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
    }


def test_function_and_access_logs_go_to_log_groups_with_retention() -> None:
    template = translate()
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    function = template["Resources"]["UsersFunction"]["Properties"]

    assert set(groups) == {"UsersApiAccessLogs", "UsersFunctionLogs"}
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "UsersFunctionLogs"}
    assert function["LoggingConfig"]["LogFormat"] == "JSON"


@pytest.mark.parametrize(
    ("environment", "deployment_type"),
    [("default", "AllAtOnce"), ("prod", "Canary10Percent5Minutes")],
)
def test_deployment_group_shifts_traffic_per_environment_and_rolls_back_on_alarms(
    environment: str, deployment_type: str
) -> None:
    template = translate(**environment_overrides(environment))
    group = template["Resources"]["UsersFunctionDeploymentGroup"]["Properties"]

    assert group["DeploymentConfigName"]["Fn::Sub"][1] == {"ConfigName": deployment_type}
    assert group["AutoRollbackConfiguration"]["Enabled"] is True
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
    assert {a["Name"]["Ref"] for a in group["AlarmConfiguration"]["Alarms"]} == {
        "FunctionErrorsAlarm",
        "ServerErrorRateAlarm",
    }
    update = template["Resources"]["UsersFunctionAliaslive"]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert update["DeploymentGroupName"] == {"Ref": "UsersFunctionDeploymentGroup"}


def alarm_metrics(alarm: dict[str, Any]) -> set[tuple[str, str]]:
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return {(properties["Namespace"], properties["MetricName"])}
    return {
        (m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"])
        for m in properties["Metrics"]
        if "MetricStat" in m
    }


def test_alarms_watch_errors_and_throttling_and_notify_a_topic() -> None:
    template = translate()
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    watched = set().union(*(alarm_metrics(alarm) for alarm in alarms.values()))

    assert {
        ("AWS/ApiGateway", "5xx"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
        ("UsersApi", "ServerErrors"),
    } <= watched
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"], name
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching", name
    assert template["Resources"]["AlarmTopic"]["Condition"] == "CreateAlarmTopic"


def test_function_metrics_land_where_the_alarms_read_them() -> None:
    template = translate()
    variables = template["Resources"]["UsersFunction"]["Properties"]["Environment"]["Variables"]
    rate = template["Resources"]["ServerErrorRateAlarm"]["Properties"]["Metrics"]

    for query in (m for m in rate if "MetricStat" in m):
        metric = query["MetricStat"]["Metric"]
        assert metric["Namespace"] == variables["METRICS_NAMESPACE"]
        assert metric["Dimensions"] == [{"Name": "Service", "Value": variables["METRICS_SERVICE"]}]


@pytest.mark.parametrize(("environment", "protected"), [("default", False), ("prod", True)])
def test_table_deletion_protection_follows_the_environment(environment: str, protected: bool) -> None:
    template = translate(**environment_overrides(environment))
    parameters = parameter_values(template, environment_overrides(environment))
    table = template["Resources"]["UsersTable"]

    resolved = resolve(table["Properties"], parameters, condition_values(template, parameters))
    assert resolved["DeletionProtectionEnabled"] is protected
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


# samconfig.toml.


@pytest.mark.parametrize("environment", ["default", "prod"])
def test_samconfig_environment_passes_only_parameters_the_template_allows(environment: str) -> None:
    declared = translate()["Parameters"]

    for name, value in environment_overrides(environment).items():
        assert name in declared, f"{environment} sets unknown parameter {name}"
        allowed = declared[name].get("AllowedValues")
        assert allowed is None or value in [str(v) for v in allowed], f"{name}={value}"


def test_samconfig_dev_and_prod_are_separate_stacks() -> None:
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))

    stacks = {env: config[env]["global"]["parameters"]["stack_name"] for env in ("default", "prod")}
    assert stacks["default"] != stacks["prod"]


def test_sam_local_cannot_read_the_jwt_authorizer_so_samconfig_turns_authorizers_off() -> None:
    # SAM CLI emulates Lambda authorizers only and refuses a JWT one; without the samconfig setting
    # `sam local start-api` would fail on this template instead of serving it.
    view = sam_python_json(TEMPLATE_VIEW, str(TEMPLATE))
    refused = run_tool(SAM_PYTHON, str(TEMPLATE_VIEW), str(TEMPLATE), "--with-authorizers", timeout=120)

    assert view["disableAuthorizer"] is True
    assert refused.returncode != 0
    assert "UsersJwt" in refused.stderr


def test_snapstart_and_provisioned_concurrency_can_be_switched_on_by_parameters() -> None:
    template = translate()
    function = template["Resources"]["UsersFunction"]["Properties"]
    assert function["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
    alias = template["Resources"]["UsersFunctionAliaslive"]["Properties"]
    assert alias["ProvisionedConcurrencyConfig"] == {
        "Fn::If": [
            "HasProvisionedConcurrency",
            {"ProvisionedConcurrentExecutions": {"Ref": "ProvisionedConcurrency"}},
            {"Ref": "AWS::NoValue"},
        ]
    }
    parameters = template["Parameters"]
    assert (parameters["SnapStart"]["Default"], parameters["ProvisionedConcurrency"]["Default"]) == (
        "None",
        0,
    )
