#!/usr/bin/python3
"""Writes the malformed-input suite's files into OUTDIR (tests/malformed/CMakeLists.txt)."""
import sys

def main():
    pass

if __name__ == "__main__":
    main()
