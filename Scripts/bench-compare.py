#!/usr/bin/env python3
"""Old binary against new binary, side by side: the regression check behind `Scripts/bench --against OLD`.

A refactoring ("no behaviour change, no regression beyond noise") is judged by timing the binary before it and the
binary after it on the same inputs, alternately (new, old, new, old…), so that noise from the shared machine hits
both alike; the figures are whole-process medians, as in Scripts/bench-run.py, whose runner and input generators this
reuses. Only commands that touch neither the network nor a TPM are timed: start-up (`--version`), `list`, `get` and
`export` through a key file at 10 and 1,000 profiles, and a lookup that falls through the store to the shared
credentials file.

Prints one markdown table (operation, size, new median, old median, new/old) and exits 1 only when a command fails or
answers wrongly; timings never fail it. Everything runs in a temporary HOME.
"""
import argparse
import importlib.util
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_run", os.path.join(HERE, "bench-run.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the new credstore executable")
    parser.add_argument("--against", required=True, help="the old credstore executable")
    parser.add_argument("--runs", type=int, default=21, help="timed runs per side (default 21)")
    args = parser.parse_args()
    new, old = os.path.abspath(args.binary), os.path.abspath(args.against)

    root = tempfile.mkdtemp(prefix="credstore-bench-compare-")
    os.chmod(root, 0o700)
    home = os.path.join(root, "home")
    for directory in (home, os.path.join(home, ".aws"), os.path.join(root, "run")):
        os.makedirs(directory, mode=0o700, exist_ok=True)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "CREDSTORE_", "XDG_")) and key not in ("HOME", "CREDENTIALS_DIRECTORY")}
    env.update({
        "HOME": home, "XDG_DATA_HOME": os.path.join(home, ".local/share"), "XDG_RUNTIME_DIR": os.path.join(root, "run"),
        "AWS_CONFIG_FILE": os.path.join(home, ".aws/config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, ".aws/credentials"),
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "LC_ALL": "C.UTF-8",
    })
    runner = bench.Runner(root, env)
    failed = False
    rows = []
    try:
        key_file = os.path.join(root, "store.key")
        stores = {}
        for size in (10, 1000):
            stores[size] = os.path.join(root, f"store-{size}")
            runner.run([new, "init", "--store", stores[size], "--key-file", key_file, "--no-passphrase"])
            bench.fill_store(stores[size], key_file, size)
        bench.write_shared_file(env["AWS_SHARED_CREDENTIALS_FILE"], 10)

        cases = [("start-up (--version)", "—", lambda b: {"argv": [b, "--version"]})]
        for size in (10, 1000):
            name = f"p{size - 1}"
            expect = bench.access_key(size - 1)
            cases += [
                ("list", f"{size} profiles", lambda b, s=size: {"argv": [b, "list", "--store", stores[s]],
                                                                 "expect": "p0"}),
                ("get (key file)", f"{size} profiles",
                 lambda b, s=size, n=name, e=expect: {"argv": [b, "get", "--store", stores[s], "--key-file",
                                                               key_file, "--profile", n], "expect": e}),
                ("export (key file)", f"{size} profiles",
                 lambda b, s=size, n=name, e=expect: {"argv": [b, "export", "--store", stores[s], "--key-file",
                                                               key_file, "--profile", n, "--format",
                                                               "credential-process"], "expect": e}),
            ]
        # A name only the credentials file holds: the store's names are read without unlocking, then the lookup
        # falls through to the file.
        with open(env["AWS_SHARED_CREDENTIALS_FILE"], "a", encoding="ascii") as handle:
            handle.write(f"[only-in-file]\naws_access_key_id = {bench.access_key(77)}\n"
                         f"aws_secret_access_key = {bench.EXAMPLE_SECRET}\n")
        cases.append(("get, store → credentials file", "10 + 11 profiles",
                      lambda b: {"argv": [b, "get", "--store", stores[10], "--profile", "only-in-file"],
                                 "expect": bench.access_key(77)}))
        # With a key file at hand the new binary verifies the store's authenticator before falling through (a renamed
        # record is then caught): the cost of that check, deliberately paid.
        cases.append(("get, store → credentials file, key file given", "10 + 11 profiles",
                      lambda b: {"argv": [b, "get", "--store", stores[10], "--key-file", key_file, "--profile",
                                          "only-in-file"], "expect": bench.access_key(77)}))

        for operation, size, make in cases:
            print(f"==> {operation}, {size}", file=sys.stderr, flush=True)
            ours, theirs = bench.measure_pair(runner, make(new), make(old), args.runs, 2)
            rows.append((operation, size, ours.median, theirs.median))
    except bench.BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        failed = True
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"| operation | size | new median | old median | new / old |")
    print("|---|---|---|---|---|")
    for operation, size, ours, theirs in rows:
        print(f"| {operation} | {size} | {bench.ms(ours)} | {bench.ms(theirs)} | {ours / theirs:.3f} |")
    print(f"\n{args.runs} alternating runs per side; new = {new}, old = {old}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
