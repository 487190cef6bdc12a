import type { Channel } from '../domain/conversation';
import { newCustomerId } from '../domain/channels/message';
import { IDENTITY_FIELD, normalizeIdentity } from '../domain/channels/identity';
import { isDuplicateKey } from './db/channels';
import type { Models } from './db/models';

export interface ResolvedCustomer {
  customerId: string;
  /** True when this call created the profile. */
  created: boolean;
  /** The identity as profiles store it (a phone number's national digits, a lower-cased e-mail). */
  identity: string;
}

export class InvalidIdentityError extends Error {
  override name = 'InvalidIdentityError';
}

/**
 * Finds the customer behind a channel identity (phone number, e-mail, WeChat openid, app user id,
 * web visitor id), creating a profile when nobody has it yet. The new profile's id is derived from
 * the identity, so two first messages racing each other create one profile, not two.
 */
export async function resolveCustomer(models: Models, input: { channel: Channel; identity: string; displayName?: string; lang?: 'zh' | 'en' }): Promise<ResolvedCustomer> {
  const identity = normalizeIdentity(input.channel, input.identity);
  if (!identity) throw new InvalidIdentityError(`"${input.identity}" is not a ${input.channel} identity`);
  const field = IDENTITY_FIELD[input.channel];
  const found = await models.Customer.findOne({ [field]: identity }, { customerId: 1 }).sort({ createdAt: 1 }).lean();
  if (found) return { customerId: found.customerId, created: false, identity };

  const customerId = newCustomerId(input.channel, identity);
  const arrayField = field === 'appUserIds' || field === 'webVisitorIds';
  try {
    await models.Customer.create({
      customerId,
      name: input.displayName?.trim().slice(0, 100) || identity,
      ...(input.lang ? { lang: input.lang } : {}),
      [field]: arrayField ? [identity] : identity,
    });
    return { customerId, created: true, identity };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return { customerId, created: false, identity };
  }
}
