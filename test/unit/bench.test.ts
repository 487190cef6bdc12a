import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LatencyRecorder, percentile } from '../../bench/harness';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');

describe('benchmark percentiles', () => {
  it('takes the nearest rank, whatever the order of the samples', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('counts failures apart from latencies and keeps a few messages', () => {
    const recorder = new LatencyRecorder();
    recorder.record(10);
    recorder.record(30);
    for (let i = 0; i < 7; i++) recorder.fail(`boom ${i}`);
    expect(recorder.samples).toHaveLength(2);
    expect(recorder.errors).toBe(7);
    expect(recorder.errorMessages).toHaveLength(5);
    expect(recorder.p(50)).toBe(10);
  });
});

describe('npm run bench', () => {
  it('refuses an unknown benchmark with the list of the ones there are', async () => {
    const attempt = run(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'no-such-bench'], { cwd: root });
    await expect(attempt).rejects.toMatchObject({ code: 2 });
    const error = (await attempt.catch((e: unknown) => e)) as { stderr: string };
    expect(error.stderr).toContain('No benchmark named "no-such-bench"');
    for (const name of ['turn-latency', 'open-conversations', 'throughput']) expect(error.stderr).toContain(name);
    expect(error.stderr).not.toMatch(/\bharness\b|system-child/);
  });
});
