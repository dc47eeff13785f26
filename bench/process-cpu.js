'use strict';
// CPU time from /proc (Linux): a process's own, a process's and its children's (the
// embedded PostgreSQL's postmaster and backends), and the machine's busy share, so a
// measurement can say what each process spent per request it served.
const { execFileSync } = require('node:child_process');
const { readdirSync, readFileSync } = require('node:fs');
const { cpus } = require('node:os');

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** [parent pid, user + system seconds] of `pid`, or undefined when it has gone. */
function statOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields start after the last one.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[1]), (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND];
  } catch {
    return undefined;
  }
}

/** Seconds of CPU `pid` has used, with its children's (alive ones) when `children`. */
function cpuSeconds(pid, children = false) {
  let seconds = statOf(pid)?.[1] ?? 0;
  if (!children) return seconds;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = statOf(name);
    if (stat && stat[0] === pid) seconds += stat[1];
  }
  return seconds;
}

/** Busy and total CPU seconds of the whole machine (every core), from /proc/stat. */
function machineSeconds() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / TICKS_PER_SECOND, total: (busy + idle + iowait) / TICKS_PER_SECOND };
}

/**
 * A snapshot of the app's process, PostgreSQL (postmaster and backends), this process and
 * the machine; `since(snapshot)` answers each one's CPU seconds per second of wall time
 * between the two, the machine's busy share of its cores, and the span in monotonic µs.
 */
function cpuSnapshot(appPid, postmasterPid) {
  const usage = process.cpuUsage();
  return {
    at: process.hrtime.bigint(),
    app: cpuSeconds(appPid),
    pg: cpuSeconds(postmasterPid, true),
    bench: (usage.user + usage.system) / 1e6,
    machine: machineSeconds(),
    appPid,
    postmasterPid,
  };
}

function since(before) {
  const after = cpuSnapshot(before.appPid, before.postmasterPid);
  const seconds = Number(after.at - before.at) / 1e9;
  return {
    seconds,
    // Monotonic µs, the clock of V8's CPU profiles: profile-summary.js can count this span alone.
    span: `${before.at / 1000n}-${after.at / 1000n}`,
    app: (after.app - before.app) / seconds,
    pg: (after.pg - before.pg) / seconds,
    bench: (after.bench - before.bench) / seconds,
    machineBusy: (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total),
    cores: cpus().length,
  };
}

module.exports = { cpuSnapshot, since };
