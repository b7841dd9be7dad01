#!/usr/bin/env python3
"""Checks libhoop.so's dynamic symbol table against include/hoop/hoop.h.

Every function the header declares with HOOP_EXPORT must be exported, and
nothing else may be: no C++ symbol of hoop's static libraries, Abseil, RE2 or
the C++ runtime leaks out of the shared library.

Usage: check_exports.py LIBHOOP_SO HOOP_H
"""
import re
import subprocess
import sys


def main() -> int:
    lib, header = sys.argv[1], sys.argv[2]
    text = open(header, encoding="utf-8").read()
    declared = set(re.findall(r"HOOP_EXPORT[^;(]*?\b(hoop_\w+)\s*\(", text, re.S))
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    exported = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            exported.add(parts[2].split("@")[0])
    extra = sorted(exported - declared)
    missing = sorted(declared - exported)
    for name in extra:
        print(f"exported but not in hoop.h: {name}")
    for name in missing:
        print(f"declared in hoop.h but not exported: {name}")
    print(f"{len(declared)} functions declared, {len(exported)} symbols exported")
    return 1 if extra or missing or not declared else 0


if __name__ == "__main__":
    sys.exit(main())
