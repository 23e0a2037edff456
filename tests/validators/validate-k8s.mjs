#!/usr/bin/env node
// Validates Kubernetes manifests against the upstream OpenAPI schemas.
//
//   node validate-k8s.mjs FILE...
//
// Every document of every (multi-document) YAML file is turned into the kubernetes-models class
// for its apiVersion + kind (kubernetes-models: the Kubernetes API's OpenAPI schema;
// @kubernetes-models/keda: KEDA's CRD schemas) and validated with that class's .validate().
// Prints one line per document, "FILE: document N (Kind name): valid", or "invalid" followed by
// one indented line per schema error. Exits 1 if any document is invalid, of an unknown
// apiVersion/kind, or any file cannot be read or parsed; 2 on bad usage or when the npm packages
// are not installed.
//
// YAML is read as YAML 1.1, as Kubernetes reads it (sigs.k8s.io/yaml, go-yaml v2): an unquoted
// `on`, `yes` or `off` is a boolean there, so a string field written that way must fail here too.
// Duplicate keys are errors, as kubectl's strict decoding makes them.
import { readFile } from "node:fs/promises";

const SETUP_HINT = "validate-k8s: scripts/bootstrap installs the npm packages (npm ci in tests/validators)";
let parseAllDocuments;
try {
  ({ parseAllDocuments } = await import("yaml"));
} catch (err) {
  console.error(`validate-k8s: cannot load yaml: ${err.message}`);
  console.error(SETUP_HINT);
  process.exit(2);
}

// API group -> the package whose models cover it. Core ("v1") and every built-in group come
// from kubernetes-models; custom resources need their own package.
const GROUP_PACKAGES = {
  "keda.sh": "@kubernetes-models/keda",
};

// Returns the model class for apiVersion + kind, or a string saying why there is none.
async function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) {
    return `apiVersion ${JSON.stringify(apiVersion)} is missing or malformed`;
  }
  if (typeof kind !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    return `kind ${JSON.stringify(kind)} is missing or malformed`;
  }
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const pkg = GROUP_PACKAGES[group] ?? "kubernetes-models";
  let module;
  try {
    module = await import(`${pkg}/${apiVersion}`);
  } catch (err) {
    if (err.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") {
      // Not "no such API version" but a broken set-up, e.g. node_modules not installed.
      console.error(`validate-k8s: cannot load ${pkg}/${apiVersion}: ${err.message}`);
      console.error(SETUP_HINT);
      process.exit(2);
    }
    return `unknown apiVersion ${apiVersion} (no models for it in ${pkg})`;
  }
  const cls = module[kind];
  // Only top-level resources carry their own apiVersion and kind; this refuses, say,
  // kind: HorizontalPodAutoscalerSpec, which is exported too but is no resource.
  if (typeof cls !== "function" || cls.apiVersion !== apiVersion || cls.kind !== kind) {
    return `unknown kind ${kind} in ${apiVersion}`;
  }
  return cls;
}

function describeError(e) {
  const where = e.instancePath === "" ? "(document)" : e.instancePath;
  let text = `${where}: ${e.message}`;
  if (e.params?.allowedValues) text += ` (${e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")})`;
  if (e.params?.additionalProperty) text += ` (${JSON.stringify(e.params.additionalProperty)})`;
  return text;
}

async function validateFile(file) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    console.log(`${file}: cannot read: ${err.message}`);
    return false;
  }
  const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs)) {
    console.log(`${file}: not a YAML stream`);
    return false;
  }
  let ok = true;
  let counted = 0;
  for (const [i, doc] of docs.entries()) {
    const n = i + 1;
    if (doc.errors.length > 0) {
      console.log(`${file}: document ${n}: YAML error`);
      for (const err of doc.errors) console.log(`  ${err.message.split("\n")[0]}`);
      ok = false;
      continue;
    }
    const data = doc.toJS({ maxAliasCount: 100 });
    if (data === null || data === undefined) continue; // an empty document, e.g. after a final ---
    counted++;
    if (typeof data !== "object" || Array.isArray(data)) {
      console.log(`${file}: document ${n}: invalid: not a mapping`);
      ok = false;
      continue;
    }
    const label = `${data.kind ?? "?"} ${data.metadata?.name ?? "(no name)"}`;
    const cls = await modelClass(data.apiVersion, data.kind);
    if (typeof cls === "string") {
      console.log(`${file}: document ${n} (${label}): invalid: ${cls}`);
      ok = false;
      continue;
    }
    try {
      new cls(data).validate();
      console.log(`${file}: document ${n} (${label}): valid`);
    } catch (err) {
      if (!Array.isArray(err.errors)) throw err;
      console.log(`${file}: document ${n} (${label}): invalid against ${data.apiVersion} ${data.kind}`);
      for (const e of err.errors) console.log(`  ${describeError(e)}`);
      ok = false;
    }
  }
  if (counted === 0) {
    console.log(`${file}: no Kubernetes object in the file`);
    ok = false;
  }
  return ok;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate-k8s.mjs FILE...");
  process.exit(2);
}
let allValid = true;
for (const file of files) {
  if (!(await validateFile(file))) allValid = false;
}
process.exit(allValid ? 0 : 1);
