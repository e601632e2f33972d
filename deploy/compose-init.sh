#!/usr/bin/env bash
# Writes what compose.yaml mounts, once per country, into deploy/config/<cc>/ (git-ignored, kept out of the image):
#   signing-key.pem, jwks.json   the node's signing key and its public JWKS (`crossborder keys generate`)
#   db-password                  the country's PostgreSQL password
#   node.json                    the secret part of the node's configuration: connection string, key-encryption
#                                key, signing key path and kid, ministry and auditor client secrets
# Existing files are kept: run it again safely. Needs the .NET SDK and openssl.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cli=(dotnet run --project "$here/../src/CrossBorder.Cli" -c Release --)

for cc in fr gb; do
  CC="${cc^^}"
  dir="$here/config/$cc"
  port=$([ "$cc" = fr ] && echo 5433 || echo 5434)
  mkdir -p "$dir"
  [ -f "$dir/signing-key.pem" ] || "${cli[@]}" keys generate --country "$CC" --out "$dir" >/dev/null
  kid="$(grep -o '"kid" *: *"[^"]*"' "$dir/jwks.json" | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')"
  [ -f "$dir/db-password" ] || openssl rand -hex 24 > "$dir/db-password"
  if [ ! -f "$dir/node.json" ]; then
    cat > "$dir/node.json" <<JSON
{
  "ConnectionStrings": { "Node": "Host=127.0.0.1;Port=$port;Database=crossborder;Username=crossborder;Password=$(cat "$dir/db-password")" },
  "Node": {
    "SigningKey": { "Kid": "$kid", "PrivateKeyPath": "/etc/crossborder/signing-key.pem" },
    "KeyEncryptionKey": "$(openssl rand -base64 32)",
    "Clients": [
      { "ClientId": "$cc-ministry", "ClientSecret": "$(openssl rand -hex 24)", "Scopes": [ "referrals.read", "referrals.write" ] },
      { "ClientId": "$cc-auditor", "ClientSecret": "$(openssl rand -hex 24)", "Scopes": [ "audit.read" ] }
    ]
  }
}
JSON
  fi
  chmod 0700 "$dir"
  chmod 0600 "$dir"/*
  echo "$CC: $dir (kid $kid)"
done

# The container runs as uid 1654: it must be able to read its country's folder.
if [ "$(id -u)" = 0 ]; then
  chown -R 1654:1654 "$here/config/fr" "$here/config/gb"
else
  echo "now run: sudo chown -R 1654:1654 $here/config/fr $here/config/gb   (the nodes run as uid 1654)"
fi
echo "client secrets: $here/config/<cc>/node.json (Node:Clients)"
