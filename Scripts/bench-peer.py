#!/usr/bin/env python3
"""The peer side of Scripts/bench: each mode is one whole process doing what a user of that tool would pay for.

    bench-peer.py raw-config-parse FILE PROFILE   botocore.configloader.raw_config_parse, then one profile's key id
    bench-peer.py session PROFILE                 botocore.session.Session(profile=…).get_credentials() (the file
                                                  comes from AWS_SHARED_CREDENTIALS_FILE, as botocore reads it)
    bench-peer.py scrypt PASSPHRASE_FILE LOG_N R P  Python's hashlib.scrypt (OpenSSL's EVP_PBE_scrypt underneath)

Each prints the access key id it found (or the derived key's length), so the driver can check that the peer really
did the work. The passphrase is read from a file, never argv.
"""
import sys


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "raw-config-parse" and len(argv) == 4:
        from botocore.configloader import raw_config_parse
        print(raw_config_parse(argv[2])[argv[3]]["aws_access_key_id"])
    elif mode == "session" and len(argv) == 3:
        import botocore.session
        credentials = botocore.session.Session(profile=argv[2]).get_credentials()
        print(credentials.access_key)
    elif mode == "scrypt" and len(argv) == 6:
        import hashlib
        with open(argv[2], "rb") as handle:
            passphrase = handle.read().rstrip(b"\n")
        n, r, p = 1 << int(argv[3]), int(argv[4]), int(argv[5])
        key = hashlib.scrypt(passphrase, salt=b"credstore bench salt 0123456789", n=n, r=r, p=p,
                             maxmem=128 * r * (n + p + 2) + (1 << 20), dklen=32)
        print(len(key))
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
