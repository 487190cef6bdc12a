import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../helpers/stack';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A return case recorded end to end (label, two reminders, pickup, inspection, refund, rating); re-record with LOOPDESK_RECORD_HISTORIES=1. */
async function recordedReturnCase() {
  const json = JSON.parse(await readFile(path.join(FIXTURES, 'return-case-history.json'), 'utf8')) as Record<string, unknown>;
  return temporal.api.history.v1.History.fromObject(json);
}

describe('replaying a recorded return case', () => {
  it('replays cleanly against the current workflow code', async () => {
    const history = await recordedReturnCase();
    expect(history.events.length).toBeGreaterThan(50);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'case-recorded');
  });

  it('refuses workflow code whose commands no longer match the history', async () => {
    const changed = await bundleWorkflowCode({ workflowsPath: path.join(FIXTURES, 'return-case-reordered.ts'), logger: quiet });
    await expect(Worker.runReplayHistory({ workflowBundle: changed }, await recordedReturnCase(), 'case-recorded')).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});

/**
 * A complaint recorded before its desk task followed the case (normal priority, tier 2 after a day
 * with the agent waiting on the customer, resolved through the case while the task was open, rated).
 * Replaying it proves the `desk-task-follows-case` patch keeps such running cases deterministic.
 */
describe('replaying a complaint recorded before desk tasks followed their case', () => {
  it('replays cleanly against the current workflow code', async () => {
    const json = JSON.parse(await readFile(path.join(FIXTURES, 'complaint-case-history.json'), 'utf8')) as Record<string, unknown>;
    const history = temporal.api.history.v1.History.fromObject(json);
    const types = history.events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(types).toEqual(expect.arrayContaining(['assessComplaint', 'openDeskTask', 'raiseCaseAlert']));
    expect(history.events.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toBe(true);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'complaint-recorded');
  });
});
