"""Print, as JSON, the CloudFormation template that SAM's own translator makes of a SAM template.

Runs under SAM CLI's virtualenv (`.venv-sam/bin/python`), where aws-sam-translator lives:
`python sam_translate.py template.yaml '{"JwtIssuer": "https://..."}'`. The second argument holds
the parameter values the deployment would pass; parameters left out take their defaults.

CloudFormation expands every `Fn::Transform: AWS::Include` before the SAM transform runs; this
does the same for local files, so the translator sees the API definition as it will in AWS.
Local code folders become S3 locations, as `sam deploy` uploads and rewrites them before AWS
sees the template.
The managed policy map is empty: the policies this template uses are SAM policy templates and
AWS managed policy ARNs that the translator writes out without asking IAM.
"""

import json
import sys
from pathlib import Path
from typing import Any

import boto3
from samcli.yamlhelper import yaml_parse
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator


def expand_includes(node: Any, folder: Path) -> Any:
    if isinstance(node, dict):
        transform = node.get("Fn::Transform")
        if len(node) == 1 and isinstance(transform, dict) and transform.get("Name") == "AWS::Include":
            location = transform["Parameters"]["Location"]
            return expand_includes(yaml_parse((folder / location).read_text(encoding="utf-8")), folder)
        return {key: expand_includes(value, folder) for key, value in node.items()}
    if isinstance(node, list):
        return [expand_includes(item, folder) for item in node]
    return node


def package(template: dict[str, Any]) -> None:
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(properties.get("CodeUri"), str):
            properties["CodeUri"] = f"s3://sam-artifacts-bucket/{logical_id}.zip"


def translate(template_path: Path, overrides: dict[str, str]) -> dict[str, Any]:
    template = expand_includes(yaml_parse(template_path.read_text(encoding="utf-8")), template_path.parent)
    package(template)
    parameters = {
        name: overrides.get(name, spec.get("Default"))
        for name, spec in template.get("Parameters", {}).items()
        if name in overrides or "Default" in spec
    }
    unknown = set(overrides) - set(template.get("Parameters", {}))
    if unknown:
        raise SystemExit(f"no such parameters in {template_path}: {sorted(unknown)}")
    # The pseudo parameters CloudFormation passes to the SAM transform; no credentials are needed.
    parameters |= {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    session = boto3.Session(region_name="us-east-1")
    translated: dict[str, Any] = Translator({}, Parser(), boto_session=session).translate(
        template, parameter_values=parameters, get_managed_policy_map=dict
    )
    return translated


if __name__ == "__main__":
    given = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    json.dump(translate(Path(sys.argv[1]).resolve(), given), sys.stdout, indent=2, default=str)
