#!/usr/bin/env python3
"""Role sessions side by side (issue 16, "Speed"): the table behind `Scripts/bench --sessions`.

Starts moto on 127.0.0.1 (signature checking on, after creating an IAM user and a role that trusts it), makes a
temporary HOME with a key-file store holding the user's key (`alice`, a plain key profile) and a role profile in
~/.aws/config (`admin`: role_arn + source_profile = alice), then times whole processes, alternately:

1. `export` of the cached role session vs `export` of the plain key profile from the same store (target: ≤1.2×);
2. a first AssumeRole: credstore's whole `export --profile admin` with its session cache cleared before every run, vs
   the AWS CLI's `aws configure export-credentials --profile admin` with its cache (~/.aws/cli/cache) emptied before
   every run, same moto endpoint (target: credstore ≥10× faster). AWS CLI v1 has no `export-credentials`; then the
   peer is the same code path it runs — a python3 process doing botocore `Session(profile=...).get_credentials()`
   and freezing them — and the table says so.

Prints one markdown table and exits 1 only when a command fails or answers wrongly; timings never fail it.
"""
import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_run", os.path.join(HERE, "bench-run.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

SETUP = r"""
import boto3, json, sys
endpoint, out = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
          aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
iam = boto3.client("iam", **kw)
user = iam.create_user(UserName="alice")["User"]
iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="alice")["AccessKey"]
iam.create_role(RoleName="admin", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"}]}))
with os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
    json.dump({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}, handle)
"""

BOTOCORE_PEER = ("import botocore.session; c = botocore.session.Session(profile='admin').get_credentials()"
                 ".get_frozen_credentials(); assert c.token; print(c.access_key)")


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the credstore executable")
    parser.add_argument("--runs", type=int, default=11, help="timed runs per side (default 11)")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)

    root = tempfile.mkdtemp(prefix="credstore-bench-sessions-")
    os.chmod(root, 0o700)
    home = os.path.join(root, "home")
    peer_home = os.path.join(root, "peer-home")
    for directory in (home, os.path.join(home, ".aws"), peer_home, os.path.join(peer_home, ".aws"),
                      os.path.join(root, "run")):
        os.makedirs(directory, mode=0o700, exist_ok=True)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto_log = open(os.path.join(root, "moto.log"), "w")
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=moto_log, stderr=moto_log)
    failed = False
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                break
            except Exception:
                if time.time() > deadline or moto.poll() is not None:
                    raise bench.BenchError("moto did not start (pip install 'moto[server]')")
                time.sleep(0.2)
        keys_path = os.path.join(root, "keys.json")
        subprocess.run([sys.executable, "-c", "import os\n" + SETUP, endpoint, keys_path], check=True)
        request = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                         headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request, timeout=10)
        with open(keys_path) as handle:
            keys = json.load(handle)
        os.unlink(keys_path)

        base = {key: value for key, value in os.environ.items()
                if not key.startswith(("AWS_", "CREDSTORE_", "XDG_")) and key not in ("HOME", "CREDENTIALS_DIRECTORY")}
        base.update({"AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": "us-east-1",
                     "AWS_EC2_METADATA_DISABLED": "true", "LC_ALL": "C.UTF-8"})
        role = "role_arn = arn:aws:iam::123456789012:role/admin\nregion = us-east-1\n"
        env = dict(base, HOME=home, XDG_DATA_HOME=os.path.join(home, ".local/share"),
                   XDG_RUNTIME_DIR=os.path.join(root, "run"), CREDSTORE_KEY_FILE=os.path.join(root, "store.key"))
        with open(os.path.join(home, ".aws/config"), "w") as handle:
            handle.write("[profile admin]\n" + role + "source_profile = alice\n")
        # The peer: the same role, its source key in its own (plaintext) credentials file, its own cache.
        peer_env = dict(base, HOME=peer_home)
        with open(os.path.join(peer_home, ".aws/config"), "w") as handle:
            handle.write("[profile admin]\n" + role + "source_profile = alice\n")
        with open(os.path.join(peer_home, ".aws/credentials"), "w") as handle:
            handle.write(f"[alice]\naws_access_key_id = {keys['id']}\naws_secret_access_key = {keys['secret']}\n")
        runner = bench.Runner(root, env)
        peer_runner = bench.Runner(root, peer_env)
        runner.run([binary, "init", "--key-file", env["CREDSTORE_KEY_FILE"], "--no-passphrase"])
        runner.run([binary, "set", "--profile", "alice", "--access-key", keys["id"]], stdin_text=keys["secret"] + "\n")

        rows = []
        # 1. Cached role session vs plain key, same store.
        runner.run([binary, "export", "--profile", "admin"], expect="SessionToken")
        cached, plain = bench.measure_pair(
            runner, {"argv": [binary, "export", "--profile", "admin"], "expect": "SessionToken"},
            {"argv": [binary, "export", "--profile", "alice"], "expect": keys["id"]}, args.runs, 2)
        ratio = cached.median / plain.median
        rows.append(("`export` of a cached role session", bench.ms(cached.median),
                     "`export` of a plain key profile, same store", bench.ms(plain.median),
                     f"{ratio:.2f}×", "≤1.2×", "met" if ratio <= 1.2 else "NOT met"))

        # 2. A first AssumeRole, both caches emptied before every run.
        cli = shutil.which("aws", path=base.get("PATH"))
        has_export = cli and subprocess.run([cli, "configure", "export-credentials", "help"], env=peer_env,
                                            capture_output=True).returncode == 0
        if has_export:
            peer_name = "`aws configure export-credentials --profile admin`, CLI cache emptied"
            peer_argv = [cli, "configure", "export-credentials", "--profile", "admin"]
        else:
            peer_name = ("botocore `Session(profile='admin').get_credentials()` (what `aws configure "
                         "export-credentials` runs; AWS CLI v1 here lacks the command), cache emptied")
            peer_argv = [sys.executable, "-c", BOTOCORE_PEER]
        ours, theirs = [], []
        for index in range(args.runs + 1):
            runner.run([binary, "sessions", "clear"])
            seconds, _, _ = runner.run([binary, "export", "--profile", "admin"], expect="SessionToken")
            shutil.rmtree(os.path.join(peer_home, ".aws/cli/cache"), ignore_errors=True)
            peer_seconds, _, _ = peer_runner.run(peer_argv, expect="ASIA")
            if index > 0:  # the first pair warms the page cache
                ours.append(seconds)
                theirs.append(peer_seconds)
        first, peer = statistics.median(ours), statistics.median(theirs)
        rows.append(("first AssumeRole: credstore's whole `export --profile admin`, session cache cleared",
                     bench.ms(first), peer_name, bench.ms(peer), f"{peer / first:.1f}× faster", "≥10× faster",
                     "met" if peer / first >= 10 else "NOT met"))

        print("| operation | credstore median | peer | peer median | ratio | target | met |")
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print(f"\n{args.runs} alternating runs per side, whole processes, moto {endpoint} with signature checking on.")
    except bench.BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        failed = True
    finally:
        moto.terminate()
        moto.wait()
        shutil.rmtree(root, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
