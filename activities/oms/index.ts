import type { AppConfig } from '../../domain/config';
import type { CaseSettings } from '../../domain/cases/types';
import type { OrderSystem } from '../../domain/oms/types';
import type { Models } from '../db/models';
import { createEmbeddedOrderSystem } from './embedded';
import { createHttpOrderSystem } from './http';

/** What the case activities need from the configuration. */
export interface CaseDeps {
  settings: CaseSettings;
  oms: { baseUrl?: string | undefined; secret?: string | undefined };
  /** Off on the time-skipping test server, which has no visibility store for search attributes. */
  indexed?: boolean;
}

export function caseDepsFrom(config: Pick<AppConfig, 'cases' | 'oms' | 'desk'>): CaseDeps {
  return { settings: { ...config.cases, desk: { sla: config.desk.sla, slaByQueue: config.desk.slaByQueue, businessHours: config.desk.businessHours } }, oms: config.oms };
}

/** The embedded order system, or a real OMS/payment gateway when OMS_BASE_URL is set. */
export function orderSystemFor(models: Models, oms: CaseDeps['oms'] | undefined): OrderSystem {
  if (oms?.baseUrl) {
    if (!oms.secret) throw new Error('OMS_SECRET is required with OMS_BASE_URL');
    return createHttpOrderSystem({ baseUrl: oms.baseUrl, secret: oms.secret });
  }
  return createEmbeddedOrderSystem(models);
}
