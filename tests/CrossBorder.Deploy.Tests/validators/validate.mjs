// Called by tests/CrossBorder.Deploy.Tests (never by hand): reads JSON on stdin, writes JSON on stdout.
//   node validate.mjs manifests           stdin: [manifest, ...]  stdout: [{ kind, name, validator, error }]
//   node validate.mjs dockerignore FILE   stdin: [path, ...]      stdout: { path: ignored }
import { readFileSync } from "node:fs";
import ignore from "@balena/dockerignore";

const input = JSON.parse(readFileSync(0, "utf8"));
const [command, argument] = process.argv.slice(2);

// Kubernetes' own API groups are in kubernetes-models ("v1" for the core group); CRDs in their own packages.
function modulePath(apiVersion, kind) {
  if (apiVersion.startsWith("monitoring.coreos.com/"))
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function validateManifest(manifest) {
  const { apiVersion, kind } = manifest;
  const result = { kind, name: manifest.metadata?.name ?? null, validator: null, error: null };
  let model;
  try {
    const path = modulePath(apiVersion, kind);
    model = (await import(path))[kind];
    result.validator = path;
  } catch {
    return result; // no published schema for this kind: the caller decides what that means
  }
  try {
    new model(manifest).validate();
  } catch (e) {
    result.error = e.message + (e.errors ? " " + JSON.stringify(e.errors) : "");
  }
  return result;
}

if (command === "manifests") {
  const results = [];
  for (const manifest of input) results.push(await validateManifest(manifest));
  process.stdout.write(JSON.stringify(results));
} else if (command === "dockerignore") {
  const rules = ignore().add(readFileSync(argument, "utf8"));
  process.stdout.write(JSON.stringify(Object.fromEntries(input.map(p => [p, rules.ignores(p)]))));
} else {
  process.stderr.write(`unknown command ${command}\n`);
  process.exit(2);
}
