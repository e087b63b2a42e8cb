import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { foreignShare, groupJiffies, parsePidStat, parseProcStat, sampleCpu } from './machine.ts';

test('/proc/stat: busy and total jiffies from the aggregate cpu line', () => {
  const text = 'cpu  100 5 50 800 20 3 2 10 0 0\ncpu0 50 2 25 400 10 1 1 5 0 0\nintr 1 2 3\n';
  assert.deepEqual(parseProcStat(text), { busy: 170, total: 990 });
  assert.equal(parseProcStat('intr 1\n'), undefined);
});

test('/proc/<pid>/stat: a command name with spaces and parentheses does not shift fields', () => {
  const text = '4242 (my (weird) proc) S 1 4240 4240 0 -1 4194560 100 0 0 0 37 12 3 4 20 0 1 0 5 1 1';
  assert.deepEqual(parsePidStat(text), { pgrp: 4240, jiffies: 49, childJiffies: 7 });
  assert.equal(parsePidStat('garbage'), undefined);
});

test('foreign share: machine busy time minus our own, as a share of capacity', () => {
  const before = { machine: { busy: 1000, total: 4000 }, own: 300 };
  const after = { machine: { busy: 1900, total: 6000 }, own: 900 };
  assert.equal(foreignShare(before, after), (900 - 600) / 2000);
  assert.equal(foreignShare(after, after), 0);
  assert.equal(foreignShare(before, { machine: { busy: 1100, total: 6000 }, own: 900 }), 0); // clamped
});

test('sampling this machine counts this process as our own', async () => {
  const a = await sampleCpu(new Set());
  assert.ok(a !== undefined && a.machine.total > 0 && a.own >= 0);
  let x = 0;
  for (let i = 0; i < 3e7; i++) x += i % 7; // burn a little CPU in this process
  assert.ok(x > 0);
  const b = await sampleCpu(new Set());
  assert.ok(b !== undefined && b.own > a.own, `own jiffies ${a.own} → ${b?.own}`);
});

test('groupJiffies counts the CPU of a process group, and nothing for a group that does not exist', async () => {
  // A child in its own group that spins for 300 ms, then waits to be ended.
  const child = spawn(
    process.execPath,
    ['-e', 'const t = Date.now() + 300; while (Date.now() < t) {} setInterval(() => {}, 1000);'],
    { detached: true, stdio: 'ignore' },
  );
  try {
    const pid = child.pid!;
    await new Promise((r) => setTimeout(r, 600));
    const j = await groupJiffies(pid);
    // 300 ms of spinning is 30 jiffies; allow for a slow start and coarse accounting.
    assert.ok(j >= 15, `jiffies ${j}`);
    assert.equal(await groupJiffies(2 ** 30), 0);
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
  }
});
