#!/usr/bin/env bash
# Lints the committed OpenAPI documents with Spectral: spectral:oas plus the OWASP API security ruleset,
# as configured in .spectral.yaml. Zero errors and zero warnings: anything we accept is turned off there,
# with its reason. Needs `npm ci` first (package.json pins the versions).
set -euo pipefail
cd "$(dirname "$0")/.."

npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity=warn \
  openapi/crossborder-v1.json openapi/crossborder-exchange-v1.json "$@"
