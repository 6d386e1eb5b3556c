#!/usr/bin/env python3
"""Signs requests with botocore's own SigV4Auth and prints what it produced, as JSON on stdout.

Used by AWSAPITests' differential test. Input (JSON on stdin, never argv, because it holds the example secret):
{"cases": [{"service", "region", "method", "url", "headers": [[name, value], ...], "body_b64", "access_key",
"secret_key", "token" (or null), "timestamp" ("YYYYMMDDTHHMMSSZ")}, ...]}.
A query-protocol case also names its "operation" and "params" (in order): botocore's own query serializer then
writes the body for the same operation and parameters, as boto3 would send it.
Output: one object per case: the Authorization header botocore set, the X-Amz-Date and whether it set
X-Amz-Security-Token, and for form bodies the pairs urllib decodes and the body botocore's serializer writes.
No secret is printed.
"""
import base64
import datetime
import json
import sys
import urllib.parse

import botocore.auth
import botocore.serialize
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main() -> int:
    request = json.load(sys.stdin)
    results = []
    session = botocore.session.get_session()
    # No validation: the random values need not be valid for AWS, only encoded the same way.
    serializer = botocore.serialize.create_serializer("query", include_validation=False)
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
        if case.get("operation"):
            operation = session.get_service_model(case["service"]).operation_model(case["operation"])
            params = {name: int(value) if name == "DurationSeconds" else value for name, value in case["params"]}
            serialized = serializer.serialize_to_request(params, operation)
            # What AWSRequest does with a dict body (botocore.awsrequest.prepare_request_dict/_prepare_body).
            result["botocore_body"] = urllib.parse.urlencode(list(serialized["body"].items()), doseq=True)
        results.append(result)
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
