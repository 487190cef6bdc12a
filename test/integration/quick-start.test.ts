import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestSystem, type TestSystem } from '../helpers/stack';

/**
 * The README's "Try it" commands, read from the README itself and sent as written (the host swapped
 * for the test system's), so the quick start stays true when either side changes.
 */
interface Call {
  assignsToken: boolean;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  sendsToken: boolean;
}

function readmeCalls(): Call[] {
  const readme = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const block = /Try it[^\n]*\n(?:[^\n]*\n)*?```bash\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no "Try it" bash block');
  const commands = block.replace(/\\\n\s*/g, ' ').split('\n').filter((line) => line.includes('curl '));
  return commands.map((command) => {
    const urlPath = /localhost:3000(\/\S+)/.exec(command)?.[1];
    if (!urlPath) throw new Error(`no localhost:3000 URL in: ${command}`);
    const data = /-d '([^']*)'/.exec(command)?.[1];
    return {
      assignsToken: /^TOKEN=\$\(/.test(command.trim()) && command.includes(".token')"),
      method: data === undefined ? 'GET' : 'POST',
      path: urlPath,
      ...(data === undefined ? {} : { body: JSON.parse(data) as unknown }),
      sendsToken: command.includes('-H "authorization: Bearer $TOKEN"'),
    };
  });
}

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem('quick-start');
});

afterAll(async () => {
  await system?.stop();
});

describe('the README quick start', () => {
  it('logs in, sends a customer message with the token and reads the conversation back', async () => {
    const [loginCall, messageCall, readCall, ...rest] = readmeCalls();
    expect(rest).toEqual([]);
    expect(loginCall).toMatchObject({ assignsToken: true, method: 'POST', path: '/api/auth/login', sendsToken: false });
    expect(messageCall).toMatchObject({ method: 'POST', path: '/api/conversations/demo-1/messages', sendsToken: true });
    expect(readCall).toMatchObject({ method: 'GET', path: '/api/conversations/demo-1', sendsToken: true });

    const login = await http(system.api.url, loginCall!.method, loginCall!.path, { body: loginCall!.body });
    expect(login.status, login.text).toBe(200);
    const token = login.json.token as string;
    expect(token).toBeTruthy();

    // Without the token the message is refused, which is why the quick start logs in first.
    expect((await http(system.api.url, messageCall!.method, messageCall!.path, { body: messageCall!.body })).status).toBe(401);
    const sent = await http(system.api.url, messageCall!.method, messageCall!.path, { body: messageCall!.body, token });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.json).toMatchObject({ conversationId: 'demo-1', handedOff: false, citations: ['kb-return-policy'] });
    expect(sent.json.reply).toMatch(/7天/);

    const read = await http(system.api.url, readCall!.method, readCall!.path, { token });
    expect(read.status, read.text).toBe(200);
    expect((read.json.transcript as Array<{ role: string }>).map((t) => t.role)).toEqual(['customer', 'bot']);
  });
});
