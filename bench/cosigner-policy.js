'use strict';
/**
 * Issue 15: the cosigner's pure core under its worst inputs, in this process, each against
 * a linear walk of the same input (`JSON.stringify` of it) measured in the same run:
 * - validating the largest document: 200 rules of 1000-entry lists that differ only at
 *   their end, so the shadowed-rule check compares every pair of rules in full;
 * - deciding a 100-destination request under 200 rules of 1000-entry lists, none matching;
 * - refusing 64 KiB of garbage as a callback token.
 * Reported as milliseconds and ratios (the attack review's finds: 28 s and 90 ms before).
 */
const { join } = require('node:path');
const { generateKeyPairSync } = require('node:crypto');

const dist = join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'cosigner');

function msPer(work, runs) {
  work();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i += 1) work();
  return Number(process.hrtime.bigint() - start) / 1e6 / runs;
}

function measure() {
  const { validatePolicy, POLICY_LIMITS } = require(join(dist, 'policy', 'policy-document.js'));
  const { decide } = require(join(dist, 'policy', 'policy-engine.js'));
  const { verifyCallbackToken, MAX_CALLBACK_BYTES } = require(join(dist, 'protocol', 'callback-token.js'));
  const { rules: RULES, listEntries: ENTRIES } = POLICY_LIMITS;
  const address = (i) => `0x${i.toString(16).padStart(40, '0')}`;
  const wide = Array.from({ length: ENTRIES }, (_, i) => address(i));
  const narrow = [...Array.from({ length: ENTRIES - 1 }, () => wide[ENTRIES - 1]), '0xffff'];
  const worstDocument = {
    rules: Array.from({ length: RULES }, (_, index) => ({
      name: `r${index}`,
      action: 'APPROVE',
      match: { destinations: index % 2 ? narrow : wide, amount: { max: String(index) } },
    })),
  };
  const validation = { worst: msPer(() => validatePolicy(worstDocument), 3), baseline: msPer(() => JSON.stringify(worstDocument), 3) };

  const hm = (minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const types = Array.from({ length: ENTRIES }, (_, i) => `TYPE_${i}`);
  const ruleAt = (i) => ({
    name: `r${i}`,
    action: 'APPROVE',
    match: { destinationTypes: types, destinations: wide, timeOfDay: { from: hm(i), to: hm(i + 1) } },
  });
  const manyRules = validatePolicy({ rules: Array.from({ length: RULES }, (_, i) => ruleAt(i)) }).document;
  const facts = {
    operation: 'TRANSFER',
    asset: 'ETH',
    amount: { units: 1n, scale: 0 },
    source: { type: 'VAULT_ACCOUNT', id: '0' },
    destinations: Array.from({ length: 100 }, () => ({ type: 'TYPE_999', address: wide[ENTRIES - 1] })),
    at: new Date('2026-11-29T20:00:00Z'),
  };
  const unused = () => ({ sum: { units: 0n, scale: 0 }, count: 0 });
  const decision = {
    worst: msPer(() => decide(manyRules, facts, unused), 20),
    baseline: msPer(() => JSON.stringify([manyRules, { ...facts, amount: undefined }]), 20),
  };

  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys = [{ kid: 'v1', publicKey }];
  const garbage = `${'a'.repeat(MAX_CALLBACK_BYTES / 2 - 2)}.${'a'.repeat(MAX_CALLBACK_BYTES / 2 - 2)}!`;
  const token = { worst: msPer(() => verifyCallbackToken(garbage, keys), 50), baseline: msPer(() => JSON.stringify(garbage), 50) };
  return { validation, decision, token };
}

function report({ validation, decision, token }) {
  const row = (name, { worst, baseline }) =>
    `| ${name} | ${worst.toFixed(2)} | ${baseline.toFixed(3)} | ${(worst / baseline).toFixed(1)} |`;
  return [
    '',
    'Cosigner policy worst cases (issue 15), in the bench process: ms per run, and the ratio to serialising the same input (JSON.stringify, a linear walk of every entry)',
    '',
    '| input | worst ms | baseline ms | ratio |',
    '| --- | ---: | ---: | ---: |',
    row('validate 200 rules of 1000-entry lists differing at their end', validation),
    row('decide 100 destinations under 200 rules of 1000-entry lists, none matching', decision),
    row('refuse 64 KiB of garbage as a callback token', token),
  ].join('\n');
}

module.exports = { measure, report, msPer };
