import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  exited(): boolean;
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ManagedProcess>();

/** Spawns a long-running service, its output appended to a log file, and remembers it so it is stopped on exit. */
export function startProcess(name: string, command: string, args: string[], opts: { logDir: string; cwd?: string; env?: NodeJS.ProcessEnv }): ManagedProcess {
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = path.join(opts.logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let hasExited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      resolve();
    });
    child.once('error', (error) => {
      log.write(`\n[loopdesk] could not start ${command}: ${error.message}\n`);
      hasExited = true;
      resolve();
    });
  });
  const managed: ManagedProcess = {
    name,
    pid: child.pid,
    logFile,
    exited: () => hasExited,
    async stop(graceMs = 8_000) {
      running.delete(managed);
      if (!hasExited) {
        child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exit;
        clearTimeout(killTimer);
      }
      log.end();
    },
  };
  running.add(managed);
  return managed;
}

/** Last-resort cleanup: a supervisor that dies must not leave servers holding its ports. */
process.once('exit', () => {
  for (const managed of running) {
    if (managed.pid && !managed.exited()) {
      try {
        process.kill(managed.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

export async function waitFor(what: string, probe: () => Promise<boolean>, opts: { timeoutMs: number; process?: ManagedProcess }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (opts.process?.exited()) {
      throw new Error(`${what} exited during start-up; see ${opts.process.logFile}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not become healthy within ${opts.timeoutMs / 1000}s${lastError ? ` (last error: ${lastError})` : ''}${opts.process ? `; see ${opts.process.logFile}` : ''}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
