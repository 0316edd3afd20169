"""Read wapiti's JSON report and the server's access log; fail on what matters.

    python .ci/wapiti_gate.py REPORT.json ACCESS.log

Fails (exit 1) on any vulnerability wapiti reports, except the accepted ones
below (each explained in docs/security.md), and on any 5xx answer the
server gave during the scan (wapiti's "Internal Server Error" anomalies, and
every 5xx in the access log, which also catches those wapiti did not
attribute). Other anomalies, such as slow answers to time-based probes, are
printed but do not fail: on a shared CI machine they measure the machine.
"""

import json
import re
import sys
from collections import Counter

# (category, wapiti's text): why the finding is accepted.
ACCEPTED = {
    (
        "HTTP Secure Headers",
        "X-XSS-Protection is not set",
    ): "deliberately not sent: browsers removed the XSS auditor it controlled; the strict CSP does that job",
}


def main(report_path, access_log_path):
    with open(report_path) as f:
        report = json.load(f)
    failures = 0
    for category, findings in sorted(report.get("vulnerabilities", {}).items()):
        for finding in findings:
            why = ACCEPTED.get((category, finding["info"]))
            line = (
                f"{category}: {finding['method']} {finding['path']} {finding.get('parameter') or ''} {finding['info']}"
            )
            if why:
                print(f"accepted  {line}\n          ({why})")
            else:
                print(f"FAIL      {line}\n          {finding.get('curl_command', '')}")
                failures += 1
    for category, findings in sorted(report.get("anomalies", {}).items()):
        for finding in findings:
            fatal = category == "Internal Server Error"
            failures += fatal
            where = f"{finding['method']} {finding['path']}"
            print(f"{'FAIL' if fatal else 'anomaly':9} {category}: {where} {finding['info']}")
    with open(access_log_path) as f:
        statuses = Counter(match.group(1) for line in f if (match := re.search(r'" (\d{3}) ', line)))
    errors = sum(count for status, count in statuses.items() if status.startswith("5"))
    failures += errors
    print(f"server answers during the scan: {dict(sorted(statuses.items()))}")
    print(f"wapiti: {'FAILED, ' + str(failures) + ' problem(s)' if failures else 'no vulnerability, no server error'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
