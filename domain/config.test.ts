import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseDuration } from './config';

describe('configuration', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = parseConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.temporal.address).toBeUndefined();
    expect(config.mongo.uri).toBeUndefined();
    expect(config.conversation.idleTimeoutMs).toBe(30 * 60_000);
    expect(config.seedDemo).toBe(true);
  });

  it('reads durations and flags people write', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2h')).toBe(7_200_000);
    const config = parseConfig({ CONVERSATION_IDLE_TIMEOUT: '45s', LOOPDESK_SEED_DEMO: 'false', PORT: '8080' });
    expect(config.conversation.idleTimeoutMs).toBe(45_000);
    expect(config.seedDemo).toBe(false);
    expect(config.http.port).toBe(8080);
  });

  it('lists every bad variable in one readable message', () => {
    const attempt = () => parseConfig({ PORT: 'eighty', CONVERSATION_IDLE_TIMEOUT: 'soon', JWT_SECRET: 'short' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*JWT_SECRET: at least 32 characters[\s\S]*CONVERSATION_IDLE_TIMEOUT: a duration/);
  });

  it('refuses to run in production with the demo signing secret or without payload keys', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required in production[\s\S]*PAYLOAD_KEYS: required in production/);
    const config = parseConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), PAYLOAD_KEYS: 'k1:abc', WIDGET_IDENTITY_SECRET: 'w'.repeat(32) });
    expect(config.auth.jwtSecret).toBe('x'.repeat(32));
    expect(config.payloadKeys).toBe('k1:abc');
  });
});
