// The evidence reporter (docs/adr/0029-security-evidence.md): after a full run (no path or name
// filter), it hands every test's outcome to test/evidence/evidence.cli.ts, which writes
// docs/evidence/ and fails the run when a claim has no passing test, a tagged test failed, a tag
// names no claim, a level 1 or 2 requirement is unanswered or a README guarantee names none.
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, relative } = require('node:path');

/** A run of every spec: no path pattern, name pattern, changed-files or related-tests filter, no shard. */
function isFullRun(config) {
  return (
    !config.testPathPattern &&
    !config.testNamePattern &&
    !config.onlyChanged &&
    !config.onlyFailures &&
    !config.findRelatedTests &&
    !config.lastCommit &&
    !config.changedSince &&
    !config.shard &&
    (config.nonFlagArgs ?? []).length === 0
  );
}

class EvidenceReporter {
  constructor(globalConfig) {
    this.config = globalConfig;
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    if (!isFullRun(this.config)) return;
    const root = this.config.rootDir;
    const outcomes = [];
    for (const suite of results.testResults) {
      const file = relative(root, suite.testFilePath);
      for (const test of suite.testResults)
        outcomes.push({ file, title: [...test.ancestorTitles, test.title].join(' › '), status: test.status });
      // A spec that could not run has no tests: its claims then have none either (the CLI says so).
      if (suite.testExecError) outcomes.push({ file, title: '(the spec did not run)', status: 'failed' });
    }
    const dir = mkdtempSync(join(tmpdir(), 'ringfence-evidence-'));
    try {
      const file = join(dir, 'outcomes.json');
      writeFileSync(file, JSON.stringify(outcomes));
      const cli = join(__dirname, 'evidence.cli.ts');
      const tsNode = require.resolve('ts-node/dist/bin.js');
      const run = spawnSync(process.execPath, [tsNode, '--transpile-only', cli, '--results', file], {
        cwd: root,
        stdio: 'inherit',
      });
      if (run.status !== 0) this.error = new Error('the security evidence has problems (docs/evidence/README.md)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  getLastError() {
    return this.error;
  }
}

module.exports = EvidenceReporter;
