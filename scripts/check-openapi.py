#!/usr/bin/env python3
"""Validates the OpenAPI document embedded in Sources/WenshuServer/OpenAPI.swift.
Needs PyYAML and openapi-spec-validator; prints a note and exits 0 when they are missing."""
import sys
from pathlib import Path
try:
    import yaml
    from openapi_spec_validator import validate
except ImportError:
    print("openapi: validator not installed, skipped")
    sys.exit(0)
src = (Path(__file__).resolve().parent.parent / "Sources/WenshuServer/OpenAPI.swift").read_text()
body = src[src.index('"""') + 3:src.rindex('"""')].split("\n")[1:]
doc = "\n".join(l[4:] if l.startswith("    ") else l for l in body)
validate(yaml.safe_load(doc))
print("openapi: valid")
