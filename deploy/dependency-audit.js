#!/usr/bin/env node
// `npm run deps:audit`: the dependency audit gate (docs/adr/0026-supply-chain.md). It asks the
// registry's advisory service about the production dependencies (`npm audit --omit=dev`) and
// fails on any high or critical advisory that deploy/audit-allowlist.json does not accept, with
// its reason and reviewer, until a date at most 90 days after its review; an acceptance past
// its date fails too (SECURITY.md, remediation time frames).
//
// A registry that will not answer is not a clean audit: the gate then exits 3 and says so.
// `--allow-unreachable` turns that into a loud "NOT CHECKED" and exit 0, for a CI whose registry
// refuses the advisory endpoint (this project's, .ci/run); a release pipeline must not pass it.
'use strict';
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = join(__dirname, '..');
const GATED = new Set(['high', 'critical']);
const EXIT = { clean: 0, findings: 1, usage: 2, unreachable: 3 };
/** An accepted advisory is reviewed again at least this often (SECURITY.md, remediation time frames). */
const MAX_ACCEPTANCE_DAYS = 90;

function option(argv, name) {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : argv[at + 1];
}

/** The advisory's id: its GHSA id when it has one (the allow-list's key), else npm's number. */
function advisoryId(via) {
  const ghsa = /GHSA(-[23456789cfghjmpqrvwx]{4}){3}/.exec(via.url ?? '');
  return ghsa ? ghsa[0] : `npm-${via.source}`;
}

/** A real day of the calendar: Date.parse takes 2026-02-31 for 2026-03-03. */
function isCalendarDate(text) {
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

function loadAllowlist(file, today = new Date().toISOString().slice(0, 10)) {
  const list = JSON.parse(readFileSync(file, 'utf8'));
  const problems = [];
  const accepted = Array.isArray(list.accepted) ? list.accepted : [];
  if (!Array.isArray(list.accepted)) problems.push(`${file}: no "accepted" list`);
  for (const [i, entry] of accepted.entries()) {
    const where = `${file}: accepted[${i}]`;
    if (typeof entry.advisory !== 'string' || !entry.advisory) problems.push(`${where}: no advisory id`);
    if (typeof entry.package !== 'string' || !entry.package) problems.push(`${where}: no package`);
    if (typeof entry.reason !== 'string' || entry.reason.trim().length < 20) problems.push(`${where}: say why it is accepted`);
    if (typeof entry.reviewedBy !== 'string' || !entry.reviewedBy) problems.push(`${where}: no reviewer`);
    const date = (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && isCalendarDate(value);
    if (!date(entry.until)) problems.push(`${where}: "until" must be a date (YYYY-MM-DD)`);
    if (!date(entry.reviewedOn)) problems.push(`${where}: "reviewedOn" must be a date (YYYY-MM-DD)`);
    else if (entry.reviewedOn > today) problems.push(`${where}: "reviewedOn" is in the future`);
    else if (date(entry.until) && entry.until < entry.reviewedOn) problems.push(`${where}: "until" is before "reviewedOn"`);
    else if (date(entry.until) && Date.parse(entry.until) - Date.parse(entry.reviewedOn) > MAX_ACCEPTANCE_DAYS * 86_400_000)
      problems.push(`${where}: an acceptance lasts at most ${MAX_ACCEPTANCE_DAYS} days after its review (SECURITY.md)`);
  }
  return { accepted, problems };
}

/**
 * The gate's verdict on `npm audit --json` output: the findings at high or critical severity, each
 * accepted or not, the acceptances past their date and those no finding matches.
 */
function judge(report, allowlist, today) {
  const findings = new Map();
  for (const vulnerability of Object.values(report.vulnerabilities ?? {}))
    for (const via of vulnerability.via ?? []) {
      if (typeof via !== 'object' || !GATED.has(via.severity)) continue;
      const id = advisoryId(via);
      const key = `${id} ${via.name}`;
      if (!findings.has(key)) findings.set(key, { id, package: via.name, severity: via.severity, title: via.title, range: via.range });
    }
  const expired = allowlist.accepted.filter((entry) => entry.until < today);
  const acceptance = (finding) =>
    allowlist.accepted.find((entry) => entry.advisory === finding.id && entry.package === finding.package && entry.until >= today);
  const refused = [...findings.values()].filter((finding) => !acceptance(finding));
  const accepted = [...findings.values()].filter((finding) => acceptance(finding));
  const stale = allowlist.accepted.filter(
    (entry) => ![...findings.values()].some((f) => f.id === entry.advisory && f.package === entry.package),
  );
  return { refused, accepted, expired, stale };
}

function runNpmAudit() {
  // --offline=false: an offline npm (npm_config_offline, an .npmrc) skips the advisory request
  // and reports no vulnerability at all, which would pass for a clean audit.
  const args = ['audit', '--omit=dev', '--json', '--offline=false'];
  const npm = process.env.npm_execpath;
  const run = npm
    ? spawnSync(process.execPath, [npm, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    : spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  try {
    return JSON.parse(run.stdout);
  } catch {
    return { error: { summary: `npm audit printed no report (exit ${run.status}): ${(run.stderr ?? '').trim().split('\n')[0] ?? ''}` } };
  }
}

function main(argv) {
  const allowUnreachable = argv.includes('--allow-unreachable');
  const file = resolve(option(argv, '--allowlist') ?? join(ROOT, 'deploy', 'audit-allowlist.json'));
  const today = option(argv, '--today') ?? new Date().toISOString().slice(0, 10);
  const allowlist = loadAllowlist(file, today);
  if (allowlist.problems.length > 0) {
    for (const problem of allowlist.problems) console.error(`deps:audit: ${problem}`);
    return EXIT.usage;
  }
  const report = runNpmAudit();
  if (!report.vulnerabilities) {
    const why = report.message ?? report.error?.summary ?? 'the registry answered no audit report';
    if (allowUnreachable) {
      console.log(`deps:audit: NOT CHECKED: the registry did not answer the advisory request (${why}).`);
      console.log('deps:audit: run it where the registry answers (npm run deps:audit) before a release.');
      return EXIT.clean;
    }
    console.error(`deps:audit: cannot audit: the registry did not answer the advisory request (${why}).`);
    return EXIT.unreachable;
  }
  const verdict = judge(report, allowlist, today);
  for (const f of verdict.accepted) console.log(`deps:audit: accepted ${f.id} in ${f.package} (${f.severity}): see ${file}`);
  for (const entry of verdict.stale)
    console.log(`deps:audit: ${entry.advisory} in ${entry.package} is accepted but no longer found: remove it`);
  for (const entry of verdict.expired)
    console.error(`deps:audit: the acceptance of ${entry.advisory} in ${entry.package} ended on ${entry.until}: review it again`);
  for (const f of verdict.refused)
    console.error(`deps:audit: ${f.severity} ${f.id} in ${f.package} ${f.range ?? ''}: ${f.title ?? ''} (fix it, or accept it in ${file})`);
  const failed = verdict.refused.length > 0 || verdict.expired.length > 0;
  const counted = report.metadata?.dependencies?.prod;
  console.log(
    `deps:audit: ${failed ? 'FAILED' : 'passed'}: ${verdict.refused.length} high or critical advisories not accepted, ${verdict.accepted.length} accepted` +
      (counted === undefined ? '' : `, ${counted} production dependencies`),
  );
  return failed ? EXIT.findings : EXIT.clean;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { judge, loadAllowlist, advisoryId };
