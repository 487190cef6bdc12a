import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../activities/log';

function captureLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, log: createLogger('info', 'test', sink) };
}

describe('logs', () => {
  it('mask personal data in messages and in nested fields', () => {
    const { lines, log } = captureLogger();
    log.info({ turn: { text: '我的手机13812345678', customer: { email: 'li.na@example.cn' } } }, 'customer wrote from 13912345678');
    const written = lines.join('');
    expect(written).not.toContain('13812345678');
    expect(written).not.toContain('13912345678');
    expect(written).not.toContain('li.na@example.cn');
    expect(written).toContain('138****5678');
    expect(written).toContain('l***@example.cn');
  });

  it('redact secrets by field name', () => {
    const { lines, log } = captureLogger();
    log.info({ password: 'hunter22', apiKey: 'ldk_x', ok: true }, 'login');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ password: '[redacted]', apiKey: '[redacted]', ok: true });
  });
});
