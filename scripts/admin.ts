/**
 * Staff users from the command line, for operators (the first admin, or a locked-out one):
 *
 *   printf '%s' "$PASSWORD" | npm run -s admin -- create-user --email ops@example.com --role admin --password-stdin
 *   npm run -s admin -- create-user --username li.wei --role agent --skills general,returns --capacity 3 --password-stdin < pw.txt
 *
 * Talks to the database named by MONGODB_URI (the embedded one of `npm start` when unset). The
 * password is read from standard input only, so it never shows in the process list or shell history.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createAuditLog } from '../activities/audit';
import { connectDatabase } from '../activities/db/models';
import { STAFF_ROLES } from '../api/auth';
import { newAgentSchema } from '../api/services/admin-agents';
import { createStaffUser, newUserSchema } from '../api/services/admin-users';
import { parseConfig } from '../domain/config';

const USAGE = `Usage:
  npm run -s admin -- create-user (--email <address> | --username <name>) --role <${STAFF_ROLES.join('|')}> [--role …]
                                  [--display-name <name>] [--skills general,returns --capacity 3 [--team <team>]] --password-stdin
  The password (at least 12 characters) is read from standard input. --skills and --capacity also set the
  user up as an agent (roles agent or supervisor), so they can go online in the workbench.`;

class UsageError extends Error {}
/** Refused for a reason that is not about how the command was written: no usage text. */
class RefusedError extends Error {}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--password-stdin: pipe the password in, e.g. printf \'%s\' "$PASSWORD" | npm run -s admin -- …');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline (from echo or a file) is not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const problems = (error: z.ZodError) => error.issues.map((issue) => `  ${issue.path.join('.') || 'value'}: ${issue.message}`).join('\n');

async function createUser(args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      email: { type: 'string' },
      username: { type: 'string' },
      role: { type: 'string', multiple: true },
      'display-name': { type: 'string' },
      'password-stdin': { type: 'boolean' },
      skills: { type: 'string' },
      capacity: { type: 'string' },
      team: { type: 'string' },
    },
  });
  if (!values['password-stdin']) throw new UsageError('--password-stdin is required: the password is read from standard input.');
  if (Boolean(values.email) === Boolean(values.username)) throw new UsageError('give either --email or --username.');
  const username = (values.email ?? values.username ?? '').trim().toLowerCase();
  if (values.email && !z.email().safeParse(username).success) throw new UsageError(`--email: "${values.email}" is not an e-mail address.`);
  const user = newUserSchema.safeParse({ username, displayName: values['display-name'] ?? username, password: await readStdin(), roles: values.role ?? [] });
  if (!user.success) throw new UsageError(`Not created:\n${problems(user.error)}`);
  const wantsAgent = values.skills !== undefined || values.capacity !== undefined;
  const agent = wantsAgent
    ? newAgentSchema.safeParse({ agentId: username, displayName: user.data.displayName, skills: (values.skills ?? '').split(',').map((s) => s.trim()).filter(Boolean), capacity: Number(values.capacity), ...(values.team ? { team: values.team } : {}) })
    : undefined;
  if (agent && !agent.success) throw new UsageError(`Not created:\n${problems(agent.error)}`);
  if (agent && !user.data.roles.some((r) => r === 'agent' || r === 'supervisor')) throw new UsageError('--skills/--capacity need the agent or supervisor role.');

  const config = parseConfig(process.env);
  const db = await connectDatabase(config.mongo.uri ?? `mongodb://127.0.0.1:${config.mongo.embeddedPort}/loopdesk`);
  try {
    const actor = { kind: 'system' as const, id: `cli:${process.env.USER ?? 'operator'}` };
    const outcome = await createStaffUser({ models: db.models, audit: createAuditLog(db.models) }, user.data, actor);
    if (outcome === 'exists') throw new RefusedError(`User "${username}" already exists; nothing changed.`);
    if (agent?.success) {
      // A new agent is offline: the router learns of it when they go online (PUT /api/agents/me/status).
      await db.models.Agent.create({ ...agent.data, displayName: agent.data.displayName ?? user.data.displayName, status: 'offline' });
      await createAuditLog(db.models).record({ actor, action: 'agent.create', target: { type: 'agent', id: username }, details: { skills: agent.data.skills, capacity: agent.data.capacity, team: agent.data.team } });
    }
    return `Created ${user.data.roles.join(', ')} user "${username}"${agent ? ' with an agent profile' : ''}; log in with it at POST /api/auth/login.`;
  } finally {
    await db.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'create-user') {
      console.log(await createUser(rest));
      return 0;
    }
    throw new UsageError(command ? `Unknown command "${command}".` : 'Give a command.');
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof RefusedError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
