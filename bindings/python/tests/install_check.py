# Copyright 2026 The hoop Authors.
"""After the build: `cmake --install` into a temp prefix, then import hoop
from there with no HOOP_LIBRARY and no LD_LIBRARY_PATH: the installed
package must find the installed libhoop.so by itself (hoop/_install.py).

    install_check.py <cmake> <build dir>
"""

import glob
import os
import subprocess
import sys
import tempfile


def main():
    cmake, build = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="hoop-pyinstall.") as prefix:
        r = subprocess.run([cmake, "--install", build, "--prefix", prefix],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"cmake --install failed:\n{r.stdout}{r.stderr}")
        site = glob.glob(os.path.join(prefix, "lib", "python3*",
                                      "dist-packages"))
        if len(site) != 1:
            sys.exit(f"no installed package under {prefix}/lib: {site}")
        env = {k: v for k, v in os.environ.items()
               if k not in ("HOOP_LIBRARY", "LD_LIBRARY_PATH")}
        env["PYTHONPATH"] = site[0]
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        code = ("import hoop; print(hoop.library_path()); "
                "print(hoop.Masker.default().mask('ana@example.com'))")
        r = subprocess.run([sys.executable, "-c", code], env=env, cwd="/",
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"import from the install failed:\n{r.stderr}")
        path, masked = r.stdout.split()
        if not os.path.realpath(path).startswith(os.path.realpath(prefix)):
            sys.exit(f"loaded {path}, not the installed library")
        if masked != "[EMAIL]":
            sys.exit(f"masking from the install: {masked!r}")
        print(f"ok: {path}")


if __name__ == "__main__":
    main()
