"""Print, as JSON, how SAM CLI itself reads a template: the routes and functions it would serve.

Runs under SAM CLI's own virtualenv (`.venv-sam/bin/python`), which pins libraries of its own,
so the test suite calls it in a subprocess: `python sam_template_view.py path/to/template.yaml`.
It uses the same providers as `sam local start-api`, so a route it lists is a route that
command would mount. Like that command, it takes `disable_authorizer` from the samconfig.toml
beside the template; `--with-authorizers` reads the authorizers whatever samconfig.toml says.
"""

import json
import sys
import tomllib
from pathlib import Path

from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider


def start_api_disables_authorizers(template: Path) -> bool:
    config = template.with_name("samconfig.toml")
    if not config.is_file():
        return False
    settings = tomllib.loads(config.read_text(encoding="utf-8"))
    start_api = settings.get("default", {}).get("local_start_api", {}).get("parameters", {})
    return bool(start_api.get("disable_authorizer"))


def describe(template: Path, disable_authorizer: bool) -> dict[str, object]:
    stacks, _ = SamLocalStackProvider.get_stacks(str(template))
    # start-api resolves a DefinitionBody's AWS::Include against the template's folder.
    api = ApiProvider(stacks, cwd=str(template.parent), disable_authorizer=disable_authorizer)
    routes = [
        {
            "method": method,
            "path": route.path,
            "function": route.function_name,
            "eventType": route.event_type,
            "payloadFormatVersion": route.payload_format_version,
            "operationId": route.operation_name,
        }
        for route in api.routes
        for method in route.methods
    ]
    functions = {
        function.name: {
            "handler": function.handler,
            "runtime": function.runtime,
            "codeUri": function.codeuri,
            "architectures": function.architectures,
        }
        for function in SamFunctionProvider(stacks).get_all()
    }
    return {"routes": routes, "functions": functions, "disableAuthorizer": disable_authorizer}


if __name__ == "__main__":
    template = Path(sys.argv[1]).resolve()
    disable = "--with-authorizers" not in sys.argv[2:] and start_api_disables_authorizers(template)
    json.dump(describe(template, disable), sys.stdout, indent=2)
