import type { Models } from './db/models';

export interface AuditActor {
  kind: 'staff' | 'service' | 'customer' | 'system' | 'anonymous';
  id: string;
  roles?: string[];
}

export interface AuditRecord {
  actor: AuditActor;
  action: string;
  target?: { type: string; id: string };
  outcome?: 'success' | 'failure';
  ip?: string;
  userAgent?: string;
  details?: Record<string, unknown>;
}

/** Who did what, when and from where. Entries are only ever inserted. */
export function createAuditLog(models: Pick<Models, 'AuditEntry'>) {
  return {
    async record(entry: AuditRecord): Promise<void> {
      await models.AuditEntry.create({
        at: new Date(),
        actor: { kind: entry.actor.kind, id: entry.actor.id, roles: entry.actor.roles ?? [] },
        action: entry.action,
        target: entry.target,
        outcome: entry.outcome ?? 'success',
        ip: entry.ip,
        userAgent: entry.userAgent,
        details: entry.details ?? {},
      });
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
