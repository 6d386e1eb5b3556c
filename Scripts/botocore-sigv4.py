#!/usr/bin/env python3
"""Signs requests with botocore's own SigV4Auth and prints what it produced, as JSON on stdout.

Used by AWSAPITests' differential test. Input (JSON on stdin, never argv, because it holds the example secret):
{"cases": [{"service", "region", "method", "url", "headers": [[name, value], ...], "body_b64", "access_key",
"secret_key", "token" (or null), "timestamp" ("YYYYMMDDTHHMMSSZ")}, ...]}.
Output: one object per case: the Authorization header botocore set, the X-Amz-Date and whether it set
X-Amz-Security-Token, and for form bodies the pairs urllib decodes (to cross-check the form encoding).
No secret is printed.
"""
import base64
import datetime
import json
import sys
import urllib.parse

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main() -> int:
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        moment = datetime.datetime.strptime(case["timestamp"], "%Y%m%dT%H%M%SZ")
        # botocore reads the clock through this one function; pin it to the case's date.
        botocore.auth.get_current_datetime = lambda moment=moment: moment
        body = base64.b64decode(case["body_b64"])
        aws_request = AWSRequest(method=case["method"], url=case["url"], data=body,
                                 headers={name: value for name, value in case["headers"]})
        credentials = Credentials(case["access_key"], case["secret_key"], case["token"])
        botocore.auth.SigV4Auth(credentials, case["service"], case["region"]).add_auth(aws_request)
        result = {
            "authorization": aws_request.headers["Authorization"],
            "amz_date": aws_request.headers["X-Amz-Date"],
            "has_token_header": "X-Amz-Security-Token" in aws_request.headers,
        }
        content_type = dict((n.lower(), v) for n, v in case["headers"]).get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            result["form"] = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                                    strict_parsing=True)
        results.append(result)
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
