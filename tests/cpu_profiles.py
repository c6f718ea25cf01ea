"""Run the notebooks (or any command) as if on another CPU, by switching the libraries' SIMD dispatch.

Nobody can test on every laptop, but one machine can make torch, MKL, numpy and OpenBLAS pick the
kernels another CPU would get. Strict nbval must pass under every profile: stored outputs hold only
values that every machine computes alike (docs/testing.md).

Usage:
    python tests/cpu_profiles.py                      # every profile: strict nbval over notebooks/
    python tests/cpu_profiles.py --profile generic-x86-64 notebooks/04_vanishing_exploding.ipynb
    python tests/cpu_profiles.py --exec avx2-laptop -- python -m rnnlib.gated.compare --seeds 2 --steps 50 --char-steps 0   # any command
    python tests/cpu_profiles.py --list

Exit status: 0 when every profile passed, 1 otherwise.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbenv

ROOT = Path(__file__).resolve().parent.parent

# Profiles are examples of foreign CPUs. Outputs must never be tuned to them: the stored-output rule
# makes any profile pass. Features a CPU lacks anyway are simply not used.
PROFILES = {
    "avx2-laptop": {  # a laptop without AVX-512 (most Intel/AMD laptops of the last decade)
        "ATEN_CPU_CAPABILITY": "avx2",
        "MKL_CBWR": "AVX2",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4,AVX512_ICL,AVX512_SPR",
        "OPENBLAS_CORETYPE": "Haswell",
    },
    "generic-x86-64": {  # an old or minimal x86-64: no AVX/AVX2 kernels anywhere
        "ATEN_CPU_CAPABILITY": "default",
        "MKL_CBWR": "COMPATIBLE",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4,AVX512_ICL,AVX512_SPR,X86_V3",
        "OPENBLAS_CORETYPE": "Nehalem",
    },
}


def profile_env(name):
    """The environment of profile `name`: the test run's (tests/nbenv.py) plus the dispatch switches."""
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}; got {name!r}")
    env = dict(os.environ)
    env.update(nbenv.NB_ENV)
    env.update(PROFILES[name])
    return env


def run(name, command):
    """Run `command` under profile `name`; return (exit status, seconds)."""
    start = time.perf_counter()
    status = subprocess.call(command, cwd=ROOT, env=profile_env(name))
    return status, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", action="append", choices=sorted(PROFILES), help="profile(s) to run (default: all)")
    parser.add_argument("--exec", dest="exec_profile", choices=sorted(PROFILES), help="run the command after -- under this profile")
    parser.add_argument("--list", action="store_true", help="print the profiles and exit")
    parser.add_argument("paths", nargs="*", help="notebooks to check (default: notebooks/); with --exec, the command")
    args = parser.parse_args(argv)
    if args.list:
        for name, env in PROFILES.items():
            print(name + ": " + " ".join(f"{k}={v}" for k, v in env.items()))
        return 0
    if args.exec_profile:
        return subprocess.call(args.paths, env=profile_env(args.exec_profile))
    results = []
    for name in args.profile or list(PROFILES):
        print(f"== profile {name}: " + " ".join(f"{k}={v}" for k, v in PROFILES[name].items()), flush=True)
        status, seconds = run(name, [sys.executable, "-m", "pytest", "-q", *(args.paths or ["notebooks"])])
        results.append((name, status, seconds))
    print("== CPU profiles ==")
    for name, status, seconds in results:
        print(f"{name}: {'passed' if status == 0 else 'FAILED'} in {seconds:.0f} s")
    return 0 if all(status == 0 for _, status, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
