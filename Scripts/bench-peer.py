#!/usr/bin/env python3
"""The peer side of Scripts/bench: each mode is one whole process doing what a user of that tool would pay for.

    bench-peer.py raw-config-parse FILE PROFILE   botocore.configloader.raw_config_parse, then one profile's key id
    bench-peer.py session PROFILE                 botocore.session.Session(profile=…).get_credentials() (the file
                                                  comes from AWS_SHARED_CREDENTIALS_FILE, as botocore reads it)
    bench-peer.py scrypt PASSPHRASE_FILE LOG_N R P  Python's hashlib.scrypt (OpenSSL's EVP_PBE_scrypt underneath)
    bench-peer.py kms-decrypt STORE               boto3 KMS Decrypt of the store's first KMS slot blob, with the
                                                  slot's key id and encryption context (FORMAT.md, kind 5)
    bench-peer.py kms-decrypt-calls STORE N       the same Decrypt N times in one process (client made once);
                                                  prints the median milliseconds of one call (the request's floor)

Each prints the access key id it found (or the derived key's length), so the driver can check that the peer really
did the work. The passphrase is read from a file, never argv.
"""
import sys


def kms_request(store_path):
    """A boto3 KMS client for the store's first KMS slot and the Decrypt arguments for its blob."""
    import importlib.util
    import os
    import boto3
    spec = importlib.util.spec_from_file_location(
        "reference_decrypt", os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference-decrypt.py"))
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    with open(store_path, "rb") as handle:
        store = reference.parse(handle.read())
    params = next(slot["params"] for slot in store["slots"] if slot["kind"] == reference.KIND_KMS)
    context = {"credstore:store-id": store["store_id"].hex(), "credstore:slot-id": params["slot_id"].hex(),
               "credstore:purpose": reference.KMS_PURPOSE}
    client = boto3.Session(profile_name=params["profile"] or None).client("kms", region_name=params["region"])
    return client, {"CiphertextBlob": params["ciphertext"], "EncryptionContext": context, "KeyId": params["key_id"]}


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
    elif mode in ("kms-decrypt", "kms-decrypt-calls") and len(argv) == (3 if mode == "kms-decrypt" else 4):
        import statistics
        import time
        client, request = kms_request(argv[2])
        if mode == "kms-decrypt":
            print(len(client.decrypt(**request)["Plaintext"]))
        else:
            times = []
            for _ in range(int(argv[3])):
                started = time.perf_counter()
                assert len(client.decrypt(**request)["Plaintext"]) == 32
                times.append(time.perf_counter() - started)
            print(f"{statistics.median(times) * 1000:.3f}")
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
