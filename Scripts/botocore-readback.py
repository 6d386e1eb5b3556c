#!/usr/bin/env python3
"""Reads AWS shared files with botocore and prints what it sees, as JSON on stdout.

Used by the SharedFileStore interop test: the files are located the way the AWS CLI locates them
(AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE); the output is botocore's merged view (`Session.full_config`)
and the credentials botocore's resolver returns for each profile that has an access key.
"""
import json
import sys

import botocore.session


def main() -> int:
    session = botocore.session.Session()
    config = session.full_config
    resolved = {}
    for name, profile in sorted(config.get("profiles", {}).items()):
        if "aws_access_key_id" not in profile:
            continue
        credentials = botocore.session.Session(profile=name).get_credentials()
        if credentials is None:
            resolved[name] = None
            continue
        frozen = credentials.get_frozen_credentials()
        resolved[name] = {
            "access_key": frozen.access_key,
            "secret_key": frozen.secret_key,
            "token": frozen.token,
        }
    json.dump(
        {
            "profiles": config.get("profiles", {}),
            "sso_sessions": config.get("sso_sessions", {}),
            "services": config.get("services", {}),
            "credentials": resolved,
        },
        sys.stdout,
        sort_keys=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
