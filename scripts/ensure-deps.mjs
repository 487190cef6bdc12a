// Runs before `npm start` and `npm test` with nothing but Node: installs the npm packages on a fresh
// clone (and again whenever package-lock.json changes), so each quick-start command works alone.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const marker = path.join(root, 'node_modules', '.loopdesk-lock-hash');
const lockHash = createHash('sha256').update(readFileSync(path.join(root, 'package-lock.json'))).digest('hex');

if (!existsSync(marker) || readFileSync(marker, 'utf8') !== lockHash) {
  console.log('Installing npm packages (package-lock.json is new or changed)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  writeFileSync(marker, lockHash);
}
