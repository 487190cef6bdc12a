import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, parseConfig } from '../../domain/config';

const root = path.resolve(import.meta.dirname, '..', '..');
const PRODUCTION_SECRETS = { NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32), PAYLOAD_KEYS: 'k1:abc', WIDGET_IDENTITY_SECRET: 'w'.repeat(32) };

describe('demo seed in production', () => {
  it('is off by default in production and on by default elsewhere', () => {
    expect(parseConfig(PRODUCTION_SECRETS).seedDemo).toBe(false);
    expect(parseConfig({}).seedDemo).toBe(true);
    expect(parseConfig({ NODE_ENV: 'test' }).seedDemo).toBe(true);
  });

  it('is refused when turned on in production, saying why and what to do instead', () => {
    const attempt = () => parseConfig({ ...PRODUCTION_SECRETS, LOOPDESK_SEED_DEMO: 'true' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/LOOPDESK_SEED_DEMO: refused in production: the demo users .* password published in the README/);
    expect(attempt).toThrow(/LOOPDESK_ADMIN_EMAIL and LOOPDESK_ADMIN_PASSWORD/);
  });

  it('is allowed in production only with the explicit override', () => {
    expect(parseConfig({ ...PRODUCTION_SECRETS, LOOPDESK_SEED_DEMO: 'true', LOOPDESK_ALLOW_DEMO_SEED_IN_PRODUCTION: 'true' }).seedDemo).toBe(true);
    expect(() => parseConfig({ ...PRODUCTION_SECRETS, LOOPDESK_SEED_DEMO: 'true', LOOPDESK_ALLOW_DEMO_SEED_IN_PRODUCTION: 'false' })).toThrow(ConfigError);
    expect(parseConfig({ NODE_ENV: 'development', LOOPDESK_SEED_DEMO: 'true' }).seedDemo).toBe(true);
  });
});

describe('first admin', () => {
  it('takes an e-mail and a password that meets the user policy, both or neither', () => {
    const config = parseConfig({ LOOPDESK_ADMIN_EMAIL: 'Ops@Example.com', LOOPDESK_ADMIN_PASSWORD: 'a-long-password-1' });
    expect(config.bootstrapAdmin).toEqual({ email: 'ops@example.com', password: 'a-long-password-1' });
    expect(parseConfig({}).bootstrapAdmin).toBeUndefined();
    expect(() => parseConfig({ LOOPDESK_ADMIN_EMAIL: 'ops@example.com' })).toThrow(/set both/);
    expect(() => parseConfig({ LOOPDESK_ADMIN_EMAIL: 'ops@example.com', LOOPDESK_ADMIN_PASSWORD: 'short' })).toThrow(/LOOPDESK_ADMIN_PASSWORD: at least 12 characters/);
    expect(() => parseConfig({ LOOPDESK_ADMIN_EMAIL: 'ops', LOOPDESK_ADMIN_PASSWORD: 'a-long-password-1' })).toThrow(/LOOPDESK_ADMIN_EMAIL: an e-mail address/);
  });
});

describe('.env.example', () => {
  const listed = new Set(
    readFileSync(path.join(root, '.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^#?\s?([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name)),
  );

  it('lists every variable the configuration reads', () => {
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(40);
    expect(CONFIG_VARIABLES.filter((name) => !listed.has(name))).toEqual([]);
  });

  it('leaves nothing uncommented but the three required secrets, so a copy starts with every default', () => {
    const uncommented = readFileSync(path.join(root, '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z]/.test(line))
      .map((line) => line.split('=')[0]);
    expect(uncommented.sort()).toEqual(['JWT_SECRET', 'PAYLOAD_KEYS', 'WIDGET_IDENTITY_SECRET']);
  });
});

describe('docker-compose.yml', () => {
  const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');

  it('demands each secret production requires', () => {
    for (const name of ['JWT_SECRET', 'PAYLOAD_KEYS', 'WIDGET_IDENTITY_SECRET']) expect(compose).toMatch(new RegExp(`${name}: "\\$\\{${name}:\\?`));
  });
});
