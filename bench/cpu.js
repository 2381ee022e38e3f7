// CPU time, to tell from a run whether more processes had a core to run on: the machine's busy share
// (/proc/stat) and the CPU seconds of given process groups (/proc/<pid>/stat, children that exited
// included), between two snapshots. Linux only; elsewhere the figures are empty.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ, 100 on Linux

function machine() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3] + (cpu[4] ?? 0);
    return { total: cpu.reduce((a, b) => a + b, 0), idle };
  } catch {
    return null;
  }
}

function procTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime (fields 14-17; f[0] is field 3)
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return 0;
  }
}

/** Every process whose command line matches `pattern`, with its children (PostgreSQL's backends). */
export function pidsMatching(pattern) {
  const procs = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      procs.push({ pid: Number(name), cmd, ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch { /* gone */ }
  }
  const roots = procs.filter((p) => pattern.test(p.cmd)).map((p) => p.pid);
  return [...roots, ...procs.filter((p) => roots.includes(p.ppid)).map((p) => p.pid)];
}

/**
 * PostgreSQL's processes working for one database: its backends (the title names the database) and
 * the background processes of the same server (checkpointer, WAL writer, ...; their work is shared,
 * mostly this database's during a run). Other databases' backends on a shared server are left out,
 * and so is the postmaster (its children-that-exited time is every database's).
 */
export function postgresPidsOf(database) {
  const procs = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (!cmd.startsWith('postgres: ')) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      procs.push({ pid: Number(name), cmd, ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch { /* gone */ }
  }
  // A backend's title: "postgres: <cluster>: <user> <database> <client> <activity>".
  const backend = (p) => p.cmd.split(/\s+/)[3] === database;
  const servers = new Set(procs.filter(backend).map((p) => p.ppid));
  const background = (p) => servers.has(p.ppid) && !/^postgres: \S+: \S+ \S+ (\[local\]|[\d.:a-f]+\(\d+\))/.test(p.cmd);
  return procs.filter((p) => backend(p) || background(p)).map((p) => p.pid);
}

/** A snapshot: the machine's ticks and each group's (groups: { name: () => pids }). */
export function cpuSnapshot(groups) {
  return { at: performance.now(), machine: machine(), groups: Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids().reduce((sum, pid) => sum + procTicks(pid), 0)])) };
}

/**
 * Between two snapshots: the machine's busy share (of all its cores), each group's CPU seconds and
 * cores used on average. A group's processes must live through both snapshots to be counted whole.
 */
export function cpuUsed(before, after, cores) {
  const seconds = (after.at - before.at) / 1000;
  const busy = before.machine && after.machine
    ? 1 - (after.machine.idle - before.machine.idle) / Math.max(1, after.machine.total - before.machine.total) : NaN;
  const groups = Object.keys(after.groups).map((name) => {
    const cpu = Math.max(0, after.groups[name] - (before.groups[name] ?? 0)) / TICKS;
    return { name, cpu, cores: cpu / seconds };
  });
  const text = `machine ${(busy * 100).toFixed(0)}% busy (of ${cores} cores); CPU: ${groups.map((g) => `${g.name} ${g.cpu.toFixed(1)} s (${g.cores.toFixed(2)} cores)`).join(', ')}`;
  return { busy, groups, text };
}
