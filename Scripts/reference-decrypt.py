#!/usr/bin/env python3
"""Reference decryptor for credstore store files (format version 1), written from FORMAT.md alone.

It uses only Python's standard library and the `cryptography` package, and exists to prove that FORMAT.md is
complete: a test runs it on stores the Swift code wrote. It prints the profiles as JSON on stdout.

Secrets are never taken from argv: the key file is read from a path, the passphrase from a file or a file descriptor
(one trailing LF or CRLF is removed from either). Key and passphrase files get credstore's checks (FORMAT.md, *Secrets
kept in files*: no symlink, a regular file you own, no group/other permission bit); the store file does not, so a
copy can be inspected anywhere.

It applies every reader rule of FORMAT.md: an unknown slot kind is corrupt; scrypt bounds are checked only for the
passphrase slots tried, in order; names are 1-256 bytes of UTF-8 without control characters (Unicode Cc, C1 included)
and unique by canonical equivalence, as are setting keys; settings may come in any order; a secret or session token
need not be UTF-8 (it is then printed in hex, as `secret_access_key_hex` / `session_token_hex`).

A key file opens key-file slots (kind 2) and machine-bound key-file slots (kind 3). A bound slot mixes in the machine
id (`--machine-id-file`, default /etc/machine-id) and the uid (`--uid`, default this process's effective uid); neither
is a secret, and giving another machine's values is how a store bound there is opened elsewhere for inspection.
TPM2 slots (kind 4) are parsed and checked but never opened: only the TPM that sealed them can; a store holding one
opens here with its other slots. AWS KMS slots (kind 5) open with `--kms`: boto3 calls KMS Decrypt with the slot's
key id and the encryption context FORMAT.md specifies, with boto3's own credentials, region from the slot and
endpoint (AWS_ENDPOINT_URL_KMS and the rest, as boto3 reads them).

With --sessions PATH it also reads the session cache beside the store (FORMAT.md, *Session cache*: `STORE.sessions`,
sealed under a key derived from the store's data key) and prints its sessions instead of the profiles.

    reference-decrypt.py --store PATH (--key-file PATH | --passphrase-file PATH | --passphrase-fd N | --kms)
                         [--sessions PATH] [--machine-id-file PATH] [--uid N] [--minimum-log-n 17] [--trace]
"""
import argparse
import errno
import hashlib
import json
import os
import stat
import struct
import sys
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"CREDSTOR"
VERSION = 1
LABEL_PASSPHRASE_SALT = b"credstore/v1 passphrase slot"
LABEL_KEY_FILE_INFO = b"credstore/v1 key-file slot"
LABEL_BOUND_KEY_FILE_INFO = b"credstore/v1 machine-bound key-file slot"
LABEL_SLOT_AAD = b"credstore/v1 slot"
LABEL_RECORD_KEY = b"credstore/v1 records"
LABEL_RECORD_AAD = b"credstore/v1 record"
LABEL_AUTHENTICATOR = b"credstore/v1 file authenticator"
MAXIMUM_LOG_N = 20
MAXIMUM_FILE_SIZE = 16 << 20
MAXIMUM_RECORDS = 65536
MAXIMUM_NAME_BYTES = 256
MAXIMUM_SEALED = 1 << 20
MAXIMUM_PASSPHRASE = 4096
SESSION_MAGIC = b"CREDSESS"
SESSION_VERSION = 1
LABEL_SESSION_CACHE = b"credstore/v1 session cache"
MAXIMUM_SESSION_FILE = 8 << 20
MAXIMUM_SESSIONS = 4096
SESSION_KINDS = {1: "role", 2: "mfa", 3: "session"}
# Session fields by type: name, and whether it is text (UTF-8), bytes (secret) or a time (i64 ms).
SESSION_FIELDS = {
    1: ("kind", "kind"), 2: ("profile", "text"), 3: ("access_key_id", "text"), 4: ("secret_access_key", "bytes"),
    5: ("session_token", "bytes"), 6: ("expiration_ms", "time"), 7: ("created_ms", "time"),
    8: ("source_profile", "text"), 9: ("role_arn", "text"), 10: ("role_session_name", "text"),
    11: ("external_id", "text"), 12: ("mfa_serial", "text"), 13: ("source_identity", "text"),
    14: ("assumed_role_arn", "text"),
}
SESSION_REQUIRED = ("kind", "profile", "access_key_id", "secret_access_key", "session_token", "expiration_ms",
                    "created_ms")
KIND_PASSPHRASE, KIND_KEY_FILE, KIND_BOUND_KEY_FILE, KIND_TPM2, KIND_KMS = 1, 2, 3, 4, 5
KMS_PURPOSE = "credstore/v1 KMS slot key-encryption key"
# Which slot kinds each kind of secret is tried against, in slot order.
SLOT_KINDS = {KIND_PASSPHRASE: (KIND_PASSPHRASE,), KIND_KEY_FILE: (KIND_KEY_FILE, KIND_BOUND_KEY_FILE),
              KIND_KMS: (KIND_KMS,)}


class StoreError(Exception):
    """A failure with a one-line reason."""


def trace(enabled, label, value):
    if enabled:
        print(f"{label}: {value.hex() if isinstance(value, bytes) else value}", file=sys.stderr)


class Reader:
    def __init__(self, data, offset=0):
        self.data = data
        self.offset = offset

    def take(self, count):
        if count < 0 or self.offset + count > len(self.data):
            raise StoreError("corrupt: truncated structure")
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]


def hkdf(key, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt or None, info=info).derive(key)


def is_control(character):
    """FORMAT.md, *Conventions*: Unicode general category Cc (C0, DEL and C1), nothing else."""
    return unicodedata.category(character) == "Cc"


def canonical(text):
    """The key two canonically equivalent strings share (FORMAT.md, *Conventions*)."""
    return unicodedata.normalize("NFC", text)


def utf8(raw, what):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StoreError(f"corrupt: {what} is not UTF-8") from None


def parse(data):
    if len(data) > MAXIMUM_FILE_SIZE:
        raise StoreError("corrupt: larger than 16 MiB")
    if len(data) < 10 or data[:8] != MAGIC:
        raise StoreError("corrupt: not a credstore store")
    if len(data) < 42:
        raise StoreError("corrupt: truncated")
    body, checksum = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != checksum:
        raise StoreError("corrupt: checksum mismatch")
    version = struct.unpack(">H", data[8:10])[0]
    if version != VERSION:
        raise StoreError(f"unsupported version {version}")
    reader = Reader(body, 10)
    store = {"store_id": reader.take(16), "slots": [], "records": []}
    slot_count = reader.u8()
    if not 1 <= slot_count <= 8:
        raise StoreError("corrupt: slot count")
    for _ in range(slot_count):
        kind, flags, length = reader.u8(), reader.u8(), reader.u16()
        slot_body = reader.take(length)
        if flags != 0:
            raise StoreError("corrupt: slot flags")
        slot = Reader(slot_body)
        if kind == 1:
            log_n, r, p = slot.u8(), slot.u32(), slot.u32()
            salt_length = slot.u8()
            if not 16 <= salt_length <= 64:
                raise StoreError("corrupt: passphrase salt length")
            params = {"log_n": log_n, "r": r, "p": p, "salt": slot.take(salt_length)}
        elif kind in (KIND_KEY_FILE, KIND_BOUND_KEY_FILE):
            params = {"salt": slot.take(32)}
        elif kind == KIND_TPM2:
            # Parsed (so a store with a TPM2 slot opens with its other slots); only its TPM can unseal it.
            params = {"uid": slot.u32(), "salt": slot.take(32), "pcr_mask": slot.u32()}
            if params["pcr_mask"] >> 24:
                raise StoreError("corrupt: TPM2 PCR mask")
            params["pcr_values"] = [slot.take(32) for pcr in range(24) if params["pcr_mask"] >> pcr & 1]
            for area in ("public", "private"):
                size = slot.u16()
                if not 1 <= size <= 1024:
                    raise StoreError("corrupt: TPM2 area size")
                params[area] = slot.take(size)
        elif kind == KIND_KMS:
            params = {"slot_id": slot.take(16)}
            for field, low, high in (("key_id", 1, 2048), ("region", 1, 64), ("profile", 0, 256)):
                size = slot.u16()
                if not low <= size <= high:
                    raise StoreError(f"corrupt: KMS {field} length")
                params[field] = utf8(slot.take(size), f"a KMS {field}")
                if any(ord(c) < 0x20 or ord(c) == 0x7F for c in params[field]):
                    raise StoreError(f"corrupt: a control character in the KMS {field}")
            size = slot.u16()
            if not 1 <= size <= 4096:
                raise StoreError("corrupt: KMS ciphertext length")
            params["ciphertext"] = slot.take(size)
        else:
            raise StoreError("corrupt: unknown slot kind")
        parameter_bytes = slot_body[:slot.offset]
        nonce, wrapped = slot.take(12), slot.take(48)
        if slot.offset != len(slot_body):
            raise StoreError("corrupt: slot length")
        store["slots"].append({"kind": kind, "params": params, "parameter_bytes": parameter_bytes,
                               "nonce": nonce, "wrapped": wrapped})
    store["save_salt"] = reader.take(32)
    record_count = reader.u32()
    if record_count > MAXIMUM_RECORDS:
        raise StoreError("corrupt: record count")
    seen = set()
    for _ in range(record_count):
        name = utf8(reader.take(reader.u16()), "a record name")
        if not 1 <= len(name.encode("utf-8")) <= MAXIMUM_NAME_BYTES or any(is_control(c) for c in name):
            raise StoreError("corrupt: a record name breaks the name rules")
        if canonical(name) in seen:
            raise StoreError("corrupt: two record names are canonically equivalent")
        seen.add(canonical(name))
        nonce = reader.take(12)
        sealed_length = reader.u32()
        if not 16 <= sealed_length <= MAXIMUM_SEALED:
            raise StoreError("corrupt: sealed record length")
        sealed = reader.take(sealed_length)
        store["records"].append({"name": name, "nonce": nonce, "sealed": sealed})
    store["authenticated"] = body[:reader.offset]
    store["auth_nonce"], store["auth_tag"] = reader.take(12), reader.take(16)
    if reader.offset != len(body):
        raise StoreError("corrupt: trailing bytes")
    return store


def machine_binding(machine_id_path, uid):
    """FORMAT.md, kind 3: `machine_id ‖ u32 uid`, where machine_id is the machine id file without its trailing line
    feeds and spaces, which must then be exactly 32 lowercase hexadecimal digits."""
    try:
        with open(machine_id_path, "rb") as handle:
            machine_id = handle.read().rstrip(b"\n ")
    except OSError as error:
        raise StoreError(f"cannot read the machine id {machine_id_path}: {error.strerror}") from None
    if len(machine_id) != 32 or any(byte not in b"0123456789abcdef" for byte in machine_id):
        raise StoreError(f"the machine id {machine_id_path} is not 32 lowercase hexadecimal characters")
    return machine_id + struct.pack(">I", uid)


def unwrap(store, secret_kind, secret, minimum_log_n, show, binding=None):
    """The data key. `binding` makes the `machine_id ‖ u32 uid` of kind 3 slots; it is called only when such a slot
    is tried, and when it fails those slots are skipped (as credstore does) and the reason joins the final error."""
    skipped = None
    for index, slot in enumerate(store["slots"]):
        if slot["kind"] not in SLOT_KINDS[secret_kind]:
            continue
        params = slot["params"]
        if slot["kind"] == KIND_BOUND_KEY_FILE:
            try:
                material = binding() if binding else None
            except StoreError as error:
                material, skipped = None, str(error)
            if material is None:
                continue
            kek = hkdf(secret + material, params["salt"], LABEL_BOUND_KEY_FILE_INFO)
        elif slot["kind"] == KIND_KMS:
            kek = secret(store["store_id"], params)
            if kek is None or len(kek) != 32:
                continue
        elif slot["kind"] == KIND_PASSPHRASE:
            if not (minimum_log_n <= params["log_n"] <= MAXIMUM_LOG_N and params["r"] == 8 and params["p"] == 1):
                raise StoreError("corrupt: scrypt parameters out of bounds")
            n = 1 << params["log_n"]
            kek = hashlib.scrypt(secret, salt=LABEL_PASSPHRASE_SALT + params["salt"], n=n, r=8, p=1,
                                 maxmem=128 * 8 * (n + 2) + (1 << 20) + 1024, dklen=32)
        else:
            kek = hkdf(secret, params["salt"], LABEL_KEY_FILE_INFO)
        aad = (LABEL_SLOT_AAD + struct.pack(">H", VERSION) + store["store_id"] + bytes([slot["kind"], 0])
               + slot["parameter_bytes"])
        try:
            data_key = AESGCM(kek).decrypt(slot["nonce"], slot["wrapped"], aad)
        except InvalidTag:
            continue
        trace(show, f"slot {index} key-encryption key", kek)
        trace(show, f"slot {index} AAD", aad)
        trace(show, "data key", data_key)
        return data_key
    if secret_kind == KIND_PASSPHRASE:
        raise StoreError("wrong passphrase")
    if secret_kind == KIND_KMS:
        raise StoreError("no KMS slot opened")
    raise StoreError("wrong key file" + (f" (machine-bound slots skipped: {skipped})" if skipped else ""))


def put_bytes(profile, key, value):
    """Types 2 and 3 are bytes (FORMAT.md): text when they are UTF-8, else hex under `<key>_hex`."""
    try:
        profile[key] = value.decode("utf-8")
    except UnicodeDecodeError:
        profile[key + "_hex"] = value.hex()


def decode_record(plaintext, index):
    reader = Reader(plaintext)
    profile = {"settings": {}}
    setting_keys = set()
    last_type = 0
    while reader.offset < len(plaintext):
        field_type, length = reader.u8(), reader.u32()
        value = reader.take(length)
        if not (field_type > last_type or field_type == last_type == 5):
            raise StoreError(f"corrupt: record {index} has a field out of order")
        last_type = field_type
        if field_type == 1:
            profile["access_key_id"] = utf8(value, f"the access key id of record {index}")
            if not value:
                raise StoreError(f"corrupt: record {index} has an empty access key id")
        elif field_type == 2:
            if not value:
                raise StoreError(f"corrupt: record {index} has an empty secret access key")
            put_bytes(profile, "secret_access_key", value)
        elif field_type == 3:
            put_bytes(profile, "session_token", value)  # empty is valid: the same as no session token
        elif field_type == 4:
            if length != 8:
                raise StoreError(f"corrupt: record {index} has an expiration of {length} bytes")
            profile["expiration_ms"] = struct.unpack(">q", value)[0]
        elif field_type == 5:
            if length < 2:
                raise StoreError(f"corrupt: record {index} has a truncated setting")
            key_length = struct.unpack(">H", value[:2])[0]
            if key_length == 0 or 2 + key_length > length:
                raise StoreError(f"corrupt: record {index} has a setting key of a bad length")
            key = utf8(value[2:2 + key_length], f"a setting key of record {index}")
            if canonical(key) in setting_keys:
                raise StoreError(f"corrupt: record {index} has two canonically equivalent setting keys")
            setting_keys.add(canonical(key))
            # Any order: "written sorted" binds writers only.
            profile["settings"][key] = utf8(value[2 + key_length:], f"a setting value of record {index}")
        else:
            raise StoreError(f"corrupt: record {index} has an unknown field type {field_type}")
    if "access_key_id" not in profile or not ("secret_access_key" in profile or "secret_access_key_hex" in profile):
        raise StoreError(f"corrupt: record {index} lacks a required field")
    return profile


def open_store(data, secret_kind, secret, minimum_log_n=17, show=False, binding=None):
    """The parsed store and its data key, after the file authenticator verified."""
    store = parse(data)
    data_key = unwrap(store, secret_kind, secret, minimum_log_n, show, binding)
    auth_key = hkdf(data_key, store["save_salt"], LABEL_AUTHENTICATOR)
    trace(show, "authenticator key", auth_key)
    try:
        AESGCM(auth_key).decrypt(store["auth_nonce"], store["auth_tag"], store["authenticated"])
    except InvalidTag:
        raise StoreError("corrupt: authenticator does not verify") from None
    return store, data_key


def decrypt_sessions(data, store_id, data_key, show=False):
    """FORMAT.md, *Session cache*: the sessions of a cache file of the store `store_id`."""
    if len(data) > MAXIMUM_SESSION_FILE:
        raise StoreError("session cache corrupt: larger than 8 MiB")
    if len(data) < 10 or data[:8] != SESSION_MAGIC:
        raise StoreError("session cache corrupt: not a credstore session cache")
    if len(data) < 58 + 12 + 4 + 16 + 32:
        raise StoreError("session cache corrupt: truncated")
    body, checksum = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != checksum:
        raise StoreError("session cache corrupt: checksum mismatch")
    version = struct.unpack(">H", data[8:10])[0]
    if version != SESSION_VERSION:
        raise StoreError(f"session cache of unsupported version {version}")
    reader = Reader(body, 10)
    file_store_id, salt, nonce = reader.take(16), reader.take(32), reader.take(12)
    length = reader.u32()
    if length < 16 or length != len(body) - reader.offset:
        raise StoreError("session cache corrupt: sealed_length does not match")
    sealed = reader.take(length)
    if file_store_id != store_id:
        raise StoreError("session cache corrupt: it belongs to another store")
    cache_key = hkdf(data_key, salt, LABEL_SESSION_CACHE)
    trace(show, "session cache key", cache_key)
    aad = data[:58]
    trace(show, "session cache AAD", aad)
    try:
        plaintext = AESGCM(cache_key).decrypt(nonce, sealed, aad)
    except InvalidTag:
        raise StoreError("session cache corrupt: it does not decrypt under the store's data key") from None
    trace(show, "session cache plaintext", plaintext)
    reader = Reader(plaintext)
    count = reader.u32()
    if count > MAXIMUM_SESSIONS:
        raise StoreError("session cache corrupt: too many sessions")
    sessions, keys = [], set()
    for index in range(count):
        entry = Reader(reader.take(reader.u32()))
        session, last = {}, 0
        while entry.offset < len(entry.data):
            kind, length = entry.u8(), entry.u32()
            value = entry.take(length)
            if kind <= last or kind not in SESSION_FIELDS:
                raise StoreError(f"session cache corrupt: session {index} has a field out of order or unknown")
            last = kind
            name, shape = SESSION_FIELDS[kind]
            if shape == "kind":
                if length != 1 or value[0] not in SESSION_KINDS:
                    raise StoreError(f"session cache corrupt: session {index} has an unknown kind")
                session[name] = SESSION_KINDS[value[0]]
            elif shape == "time":
                if length != 8:
                    raise StoreError(f"session cache corrupt: session {index} has a time that is not 8 bytes")
                session[name] = struct.unpack(">q", value)[0]
            elif shape == "bytes":
                try:
                    session[name] = value.decode("utf-8")
                except UnicodeDecodeError:
                    session[name + "_hex"] = value.hex()
                    session[name] = None
            else:
                session[name] = utf8(value, f"session {index} field {name}")
        for name in SESSION_REQUIRED:
            if name not in session and name + "_hex" not in session:
                raise StoreError(f"session cache corrupt: session {index} lacks {name}")
        if not session["profile"] or not session["access_key_id"] or \
                not (session.get("secret_access_key") or session.get("secret_access_key_hex")) or \
                not (session.get("session_token") or session.get("session_token_hex")):
            raise StoreError(f"session cache corrupt: session {index} has an empty required field")
        if session["kind"] == "role" and not session.get("role_arn"):
            raise StoreError(f"session cache corrupt: role session {index} has no role_arn")
        if session["kind"] == "mfa" and not session.get("mfa_serial"):
            raise StoreError(f"session cache corrupt: MFA session {index} has no mfa_serial")
        if session["kind"] == "role":
            key = ("role", session["profile"], session["role_arn"], session.get("role_session_name"),
                   session.get("external_id"), session.get("source_identity"))
        elif session["kind"] == "mfa":
            key = ("mfa", session["profile"], session["mfa_serial"])
        else:
            key = ("session", session["profile"])
        if key in keys:
            raise StoreError(f"session cache corrupt: session {index} repeats the key of an earlier one")
        keys.add(key)
        sessions.append(session)
    if reader.offset != len(plaintext):
        raise StoreError("session cache corrupt: bytes after the last session")
    return sessions


def decrypt(data, secret_kind, secret, minimum_log_n=17, show=False, binding=None):
    store, data_key = open_store(data, secret_kind, secret, minimum_log_n, show, binding)
    record_key = hkdf(data_key, store["save_salt"], LABEL_RECORD_KEY)
    trace(show, "record key", record_key)
    profiles = []
    count = len(store["records"])
    for index, record in enumerate(store["records"]):
        name = record["name"].encode("utf-8")
        aad = (LABEL_RECORD_AAD + struct.pack(">H", VERSION) + store["store_id"] + store["save_salt"]
               + struct.pack(">II", count, index) + struct.pack(">H", len(name)) + name)
        trace(show, f"record {index} AAD", aad)
        try:
            plaintext = AESGCM(record_key).decrypt(record["nonce"], record["sealed"], aad)
        except InvalidTag:
            raise StoreError(f"corrupt: record {index} does not verify") from None
        trace(show, f"record {index} plaintext", plaintext)
        profile = decode_record(plaintext, index)
        profile["name"] = record["name"]
        profiles.append(profile)
    return profiles


def read_secret_file(path, what, maximum):
    """FORMAT.md, *Secrets kept in files*: no symlink (last component), a regular file owned by the effective uid with
    no group/other permission bit, at most `maximum` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise SystemExit(f"error: cannot open the {what} {path}: {error.strerror}"
                         + (" (a symbolic link is refused)" if error.errno == errno.ELOOP else ""))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SystemExit(f"error: the {what} {path} is not a regular file")
        if info.st_uid != os.geteuid():
            raise SystemExit(f"error: the {what} {path} is owned by uid {info.st_uid}, not by you")
        if info.st_mode & 0o077:
            raise SystemExit(f"error: the {what} {path} has mode {info.st_mode & 0o777:o}: group or others may "
                             "access it")
        data = handle.read(maximum + 1)
    if len(data) > maximum:
        raise SystemExit(f"error: the {what} {path} is larger than {maximum} bytes")
    return data


def passphrase_from(raw):
    """One trailing LF or CRLF removed (once), then UTF-8, non-empty, NFC (FORMAT.md)."""
    raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if raw.endswith(b"\n") else raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SystemExit("error: the passphrase is not UTF-8") from None
    if not text:
        raise SystemExit("error: the passphrase is empty")
    return unicodedata.normalize("NFC", text).encode("utf-8")


def kms_decrypt(store_id, params):
    """FORMAT.md, kind 5: KMS Decrypt of the slot's blob with its key id and encryption context; None if refused."""
    import boto3
    import botocore.exceptions
    context = {"credstore:store-id": store_id.hex(), "credstore:slot-id": params["slot_id"].hex(),
               "credstore:purpose": KMS_PURPOSE}
    session = boto3.Session(profile_name=params["profile"] or None)
    try:
        return session.client("kms", region_name=params["region"]).decrypt(
            CiphertextBlob=params["ciphertext"], EncryptionContext=context, KeyId=params["key_id"])["Plaintext"]
    except botocore.exceptions.ClientError as error:
        print(f"note: KMS refused a slot: {error.response['Error'].get('Code')}", file=sys.stderr)
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--key-file")
    group.add_argument("--passphrase-file")
    group.add_argument("--passphrase-fd", type=int)
    group.add_argument("--kms", action="store_true", help="open a KMS slot with boto3's credentials")
    parser.add_argument("--sessions", help="a session cache file of the store (STORE.sessions): print its sessions")
    parser.add_argument("--machine-id-file", default="/etc/machine-id",
                        help="the machine id mixed into machine-bound key-file slots (default: /etc/machine-id)")
    parser.add_argument("--uid", type=int, default=os.geteuid(),
                        help="the uid mixed into machine-bound key-file slots (default: this process's effective uid)")
    parser.add_argument("--minimum-log-n", type=int, default=17, help="the scrypt floor (credstore enforces 17)")
    parser.add_argument("--trace", action="store_true", help="print derived keys and AADs on stderr")
    args = parser.parse_args()
    with open(args.store, "rb") as handle:
        data = handle.read()
    if args.kms:
        secret_kind, secret = KIND_KMS, kms_decrypt
    elif args.key_file:
        secret_kind, secret = KIND_KEY_FILE, read_secret_file(args.key_file, "key file", 32)
        if len(secret) != 32:
            raise SystemExit("error: a key file holds exactly 32 bytes")
    else:
        if args.passphrase_file:
            raw = read_secret_file(args.passphrase_file, "passphrase file", MAXIMUM_PASSPHRASE)
        else:
            with os.fdopen(args.passphrase_fd, "rb") as handle:
                raw = handle.read(MAXIMUM_PASSPHRASE + 1)
            if len(raw) > MAXIMUM_PASSPHRASE:
                raise SystemExit(f"error: the passphrase is longer than {MAXIMUM_PASSPHRASE} bytes")
        secret_kind, secret = KIND_PASSPHRASE, passphrase_from(raw)
    if not 0 <= args.uid <= 0xFFFFFFFF:
        raise SystemExit("error: --uid must be between 0 and 4294967295")
    try:
        if args.sessions:
            store, data_key = open_store(data, secret_kind, secret, args.minimum_log_n, args.trace,
                                         lambda: machine_binding(args.machine_id_file, args.uid))
            with open(args.sessions, "rb") as handle:
                profiles = decrypt_sessions(handle.read(MAXIMUM_SESSION_FILE + 1), store["store_id"], data_key,
                                            args.trace)
        else:
            profiles = decrypt(data, secret_kind, secret, args.minimum_log_n, args.trace,
                               lambda: machine_binding(args.machine_id_file, args.uid))
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    json.dump(profiles, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
