#!/usr/bin/env node
// Validates Kubernetes manifests against the API's own schemas, in two passes:
//
//  1. kubernetes-models' validate(): the OpenAPI schema of Kubernetes 1.27
//     (@kubernetes-models/prometheus-operator: the CRDs of prometheus-operator
//     v0.65 for PodMonitor) compiled with ajv: required fields, types, enums,
//     formats. Like kubeconform without -strict, it accepts unknown fields.
//  2. The TypeScript compiler over the same models' interfaces: each document
//     becomes an object literal typed as its kind, and TypeScript's excess
//     property check rejects every field the schema does not have, at any
//     depth (what kubeconform -strict catches: a misspelt
//     readOnlyRootFileSystem is otherwise silently ignored by the API server).
//
// Usage: node validate_k8s.js NODE_MODULES_PARENT WORK_DIR FILE.yaml...
// Prints one line per problem ("file: document N (Kind name): message") and
// "checked N documents in M files"; exits 1 on any problem, 2 on bad usage.
"use strict";

const fs = require("fs");
const path = require("path");

const [prefix, workDir, ...files] = process.argv.slice(2);
if (!prefix || !workDir || files.length === 0) {
  console.error("usage: validate_k8s.js NODE_MODULES_PARENT WORK_DIR FILE.yaml...");
  process.exit(2);
}
const load = (name) => require(path.join(prefix, "node_modules", name));
const YAML = load("yaml");
const ts = load("typescript");

// apiVersion -> [package, module directory under it]
function modelModule(apiVersion) {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return ["@kubernetes-models/prometheus-operator", apiVersion];
  }
  // Core group: "v1" lives in kubernetes-models/v1; "apps/v1" in kubernetes-models/apps/v1.
  return ["kubernetes-models", apiVersion];
}

const problems = [];
const typed = []; // {label, typeImport, iface, json}
let documents = 0;

for (const file of files) {
  const text = fs.readFileSync(file, "utf8");
  // uniqueKeys (the default) makes a repeated key an error, as the API server's
  // strict decoding does.
  const docs = YAML.parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  docs.forEach((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length) {
      for (const e of doc.errors) problems.push(`${where}: YAML: ${e.message}`);
      return;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) return; // an empty document (comments only)
    documents++;
    if (typeof obj !== "object" || !obj.apiVersion || !obj.kind) {
      problems.push(`${where}: not a Kubernetes object (apiVersion and kind are required)`);
      return;
    }
    const label = `${where} (${obj.kind} ${obj.metadata && obj.metadata.name})`;
    const [pkg, dir] = modelModule(obj.apiVersion);
    let Model;
    try {
      Model = load(path.join(pkg, dir))[obj.kind];
    } catch (e) {
      Model = undefined;
    }
    if (!Model) {
      problems.push(`${label}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
      return;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      problems.push(`${label}: schema: ${e.message}`);
    }
    typed.push({ label, typeImport: `${pkg}/${dir}/${obj.kind}`, iface: `I${obj.kind}`, json: obj });
  });
}

// Pass 2: one TypeScript file, one typed constant per document.
if (typed.length) {
  fs.mkdirSync(workDir, { recursive: true });
  const tsFile = path.join(workDir, "manifests.ts");
  const lines = [];
  const spans = []; // [firstLine, lastLine, label] (0-based)
  typed.forEach((t, i) => {
    lines.push(`import type { ${t.iface} as T${i} } from ${JSON.stringify(t.typeImport)};`);
  });
  typed.forEach((t, i) => {
    const first = lines.length;
    const body = JSON.stringify(t.json, null, 2).split("\n");
    body[0] = `export const d${i}: T${i} = ${body[0]}`;
    body[body.length - 1] += ";";
    lines.push(...body);
    spans.push([first, lines.length - 1, t.label]);
  });
  fs.writeFileSync(tsFile, lines.join("\n") + "\n");
  const program = ts.createProgram([tsFile], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2019,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10 || ts.ModuleResolutionKind.NodeJs,
    // The generated file lives outside the prefix: map package imports to it.
    baseUrl: prefix,
    paths: { "*": ["node_modules/*"] },
    typeRoots: [],
  });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
    if (!d.file || path.resolve(d.file.fileName) !== path.resolve(tsFile)) {
      problems.push(`typescript: ${message}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const span = spans.find(([a, b]) => line >= a && line <= b);
    const label = span ? span[2] : `${tsFile}:${line + 1}`;
    problems.push(`${label}: fields: ${message.split("\n")[0]} (near: ${lines[line].trim()})`);
  }
}

for (const p of problems) console.log(p);
console.log(`checked ${documents} documents in ${files.length} files`);
process.exit(problems.length ? 1 : 0);
