"""pip-audit of the installed, pinned dependencies, for CI (`make audit-deps`).

Fails (exit 1) when any installed package has a known vulnerability. When the vulnerability
service cannot be reached, or knows none of the pinned versions (a registry mirror that serves
packages but not PyPI's JSON API, as on some build machines), it says so plainly and does not fail:
it cannot tell, and a silent pass would claim more than it knows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def main() -> int:
    result = subprocess.run(
        [str(PIP_AUDIT), "--format", "json", "--skip-editable", "--progress-spinner", "off"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print("pip-audit: the vulnerability service could not be reached; nothing was audited")
        print(result.stderr.strip()[-500:])
        return 0
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"VULNERABLE {dependency['name']}=={dependency['version']}: {ids}")
    print(
        f"pip-audit: {audited} of {len(dependencies)} installed packages audited, "
        f"{len(vulnerable)} with known vulnerabilities, {len(skipped)} could not be audited"
    )
    if audited == 0:
        print(
            "pip-audit: the vulnerability service knows none of these versions from this "
            "machine, so nothing was checked; run `make audit-deps` where PyPI's JSON API is "
            "reachable"
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
