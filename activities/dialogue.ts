import { createHash, randomInt } from 'node:crypto';
import type { Channel } from '../domain/conversation';
import type { CustomerSummary, Effect, EffectResult, OrderSummary } from '../domain/dialogue/types';
import { analyze, type NluResult } from '../domain/nlu';
import { maskForDisplay } from '../domain/pii';
import { claimOrderForCase, type CaseStarter } from './cases';
import type { CatalogSource } from './catalog';
import type { Models, OrderDoc } from './db/models';

export interface EffectContext {
  conversationId: string;
  /** The customer message this effect serves: with the conversation, it keys every write. */
  messageId: string;
  customerId: string;
  channel: Channel;
}

const CODE_TTL_MS = 5 * 60_000;
const CODE_ATTEMPTS = 3;
const DUPLICATE_KEY = 11000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const shortId = (prefix: string, key: string) => `${prefix}-${sha256(key).slice(0, 10).toUpperCase()}`;

function isDuplicateKey(error: unknown): boolean {
  return Boolean(error && typeof error === 'object' && 'code' in error && error.code === DUPLICATE_KEY);
}

/** Inserts once under a unique key; a retry finds the first insert and returns it unchanged. */
async function insertOnce<T>(insert: () => Promise<unknown>, existing: () => Promise<T | null>): Promise<T> {
  try {
    await insert();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const row = await existing();
  if (!row) throw new Error('a row inserted under a unique key could not be read back');
  return row;
}

export function createDialogueActivities(deps: { models: Models; catalog: CatalogSource; cases?: CaseStarter }) {
  const { models, catalog } = deps;

  /** The customer's language for case messages; a conversation's own detection is not at hand here. */
  const langOf = async (customerId: string) => (await models.Customer.findOne({ customerId }, { lang: 1 }).lean())?.lang ?? 'zh';

  async function orderSummary(order: OrderDoc): Promise<OrderSummary> {
    const products = new Map((await catalog.products()).map((p) => [p.sku, p]));
    return {
      orderId: order.orderId,
      status: order.status,
      placedAt: order.placedAt.toISOString(),
      ...(order.deliveredAt ? { deliveredAt: order.deliveredAt.toISOString() } : {}),
      ...(order.carrier ? { carrier: order.carrier } : {}),
      ...(order.trackingNumber ? { trackingNumber: order.trackingNumber } : {}),
      total: order.total,
      items: order.items.map((i) => {
        const product = products.get(i.sku);
        return { sku: i.sku, name: product?.name.zh ?? i.sku, category: product?.category ?? 'unknown', quantity: i.quantity };
      }),
    };
  }

  /** Only the customer's own orders: an order number from someone else's receipt reveals nothing. */
  async function lookupOrder(effect: Extract<Effect, { kind: 'lookup_order' }>, ctx: EffectContext): Promise<EffectResult> {
    if (effect.orderId) {
      const order = await models.Order.findOne({ orderId: effect.orderId, customerId: ctx.customerId }).lean();
      return { kind: 'lookup_order', ...(order ? { order: await orderSummary(order) } : {}) };
    }
    const owner = await models.Customer.findOne({ customerId: ctx.customerId, phone: effect.phone }, { customerId: 1 }).lean();
    if (!owner) return { kind: 'lookup_order' };
    const latest = await models.Order.findOne({ customerId: ctx.customerId }).sort({ placedAt: -1 }).lean();
    return { kind: 'lookup_order', ...(latest ? { order: await orderSummary(latest) } : {}) };
  }

  async function sendCode(ctx: EffectContext): Promise<EffectResult> {
    const customer = await models.Customer.findOne({ customerId: ctx.customerId }, { phone: 1 }).lean();
    if (!customer?.phone) return { kind: 'send_code' };
    const challengeId = `${ctx.conversationId}:${ctx.messageId}`;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await insertOnce(
      () => models.OtpChallenge.create({ challengeId, customerId: ctx.customerId, codeHash: sha256(`${challengeId}:${code}`), expiresAt: new Date(Date.now() + CODE_TTL_MS) }),
      () => models.OtpChallenge.findOne({ challengeId }).lean(),
    );
    // The code goes only into the outbox once; a retried activity finds the challenge and sends nothing new.
    await insertOnce(
      () =>
        models.Delivery.create({
          idempotencyKey: `otp:${challengeId}`,
          channel: 'sms',
          customerId: ctx.customerId,
          to: customer.phone,
          purpose: 'one_time_code',
          text: `【Loopdesk】您的验证码是 ${code},5分钟内有效,请勿告诉他人。Your code is ${code}, valid for 5 minutes.`,
        }),
      () => models.Delivery.findOne({ idempotencyKey: `otp:${challengeId}` }).lean(),
    );
    const destination = maskForDisplay({ kind: 'phone', start: 0, end: customer.phone.length, text: customer.phone });
    return { kind: 'send_code', challengeId, destination };
  }

  async function checkCode(effect: Extract<Effect, { kind: 'check_code' }>, ctx: EffectContext): Promise<EffectResult> {
    const challenge = await models.OtpChallenge.findOne({ challengeId: effect.challengeId, customerId: ctx.customerId }).lean();
    if (!challenge) return { kind: 'check_code', outcome: 'expired', attemptsLeft: 0 };
    const attemptsLeft = (attempts: string[]) => Math.max(0, CODE_ATTEMPTS - attempts.length);
    if (challenge.verifiedAt) return { kind: 'check_code', outcome: 'ok', attemptsLeft: attemptsLeft(challenge.attempts) };
    if (attemptsLeft(challenge.attempts) === 0 && !challenge.attempts.includes(ctx.messageId)) return { kind: 'check_code', outcome: 'locked', attemptsLeft: 0 };
    if (challenge.expiresAt.getTime() < Date.now()) return { kind: 'check_code', outcome: 'expired', attemptsLeft: attemptsLeft(challenge.attempts) };
    const updated = await models.OtpChallenge.findOneAndUpdate({ challengeId: effect.challengeId }, { $addToSet: { attempts: ctx.messageId } }, { new: true }).lean();
    const attempts = updated?.attempts ?? challenge.attempts;
    if (sha256(`${effect.challengeId}:${effect.code}`) === challenge.codeHash) {
      await models.OtpChallenge.updateOne({ challengeId: effect.challengeId }, { $set: { verifiedAt: new Date() } });
      return { kind: 'check_code', outcome: 'ok', attemptsLeft: attemptsLeft(attempts) };
    }
    const left = attemptsLeft(attempts);
    return { kind: 'check_code', outcome: left > 0 ? 'wrong' : 'locked', attemptsLeft: left };
  }

  async function recordReturn(effect: Extract<Effect, { kind: 'record_return' }>, ctx: EffectContext): Promise<EffectResult> {
    const requestKey = `${ctx.conversationId}:${ctx.messageId}:return`;
    const caseId = shortId('RMA', requestKey);
    // One open return or exchange per order (a unique claim); a retried effect finds its own case first.
    if (!(await models.Case.exists({ requestKey }))) {
      const holder = await claimOrderForCase(models, { orderId: effect.order.orderId, caseId });
      if (holder !== caseId) return { kind: 'record_return', requestId: holder, existing: { orderId: effect.order.orderId } };
    }
    const row = await insertOnce(
      () =>
        models.Case.create({
          caseId,
          requestKey,
          type: effect.request,
          status: 'requested',
          customerId: ctx.customerId,
          conversationId: ctx.conversationId,
          orderId: effect.order.orderId,
          reason: effect.reason,
          details: effect.details,
        }),
      () => models.Case.findOne({ requestKey }).lean(),
    );
    // The case workflow's id comes from the case id, so a retried effect starts nothing twice.
    await deps.cases?.startReturn({
      caseId: row.caseId,
      customerId: ctx.customerId,
      lang: await langOf(ctx.customerId),
      channel: ctx.channel,
      conversationId: ctx.conversationId,
      request: effect.request,
      orderId: effect.order.orderId,
      reason: effect.reason,
      details: effect.details,
    });
    return { kind: 'record_return', requestId: row.caseId };
  }

  async function openComplaint(effect: Extract<Effect, { kind: 'open_complaint' }>, ctx: EffectContext): Promise<EffectResult> {
    const requestKey = `${ctx.conversationId}:${ctx.messageId}:complaint`;
    const row = await insertOnce(
      () =>
        models.Case.create({
          caseId: shortId('CMP', requestKey),
          requestKey,
          type: 'complaint',
          status: 'open',
          customerId: ctx.customerId,
          conversationId: ctx.conversationId,
          ...(effect.orderId ? { orderId: effect.orderId } : {}),
          severity: effect.severity,
          details: effect.details,
        }),
      () => models.Case.findOne({ requestKey }).lean(),
    );
    await deps.cases?.startComplaint({
      caseId: row.caseId,
      customerId: ctx.customerId,
      lang: await langOf(ctx.customerId),
      channel: ctx.channel,
      conversationId: ctx.conversationId,
      details: effect.details,
      severityHint: effect.severity,
      ...(effect.orderId ? { orderId: effect.orderId } : {}),
    });
    return { kind: 'open_complaint', caseId: row.caseId };
  }

  async function handOff(effect: Extract<Effect, { kind: 'hand_off' }>, ctx: EffectContext): Promise<EffectResult> {
    const requestKey = `${ctx.conversationId}:${ctx.messageId}:handoff`;
    const row = await insertOnce(
      () =>
        models.Escalation.create({
          escalationId: shortId('ESC', requestKey),
          requestKey,
          conversationId: ctx.conversationId,
          customerId: ctx.customerId,
          channel: ctx.channel,
          reason: effect.reason,
          status: 'queued',
          packet: effect.packet,
        }),
      () => models.Escalation.findOne({ requestKey }).lean(),
    );
    return { kind: 'hand_off', handoffId: row.escalationId };
  }

  return {
    /** Intent, entities and sentiment of one message, against the current catalog. */
    async understand(input: { text: string }): Promise<NluResult> {
      return analyze(input.text, { catalog: await catalog.products() });
    },

    async loadCustomer(customerId: string): Promise<CustomerSummary | undefined> {
      const row = await models.Customer.findOne({ customerId }, { customerId: 1, tier: 1, lang: 1, phone: 1 }).lean();
      if (!row) return undefined;
      return {
        customerId: row.customerId,
        tier: row.tier,
        lang: row.lang,
        ...(row.phone ? { phoneMasked: maskForDisplay({ kind: 'phone', start: 0, end: row.phone.length, text: row.phone }) } : {}),
      };
    },

    /** Carries out what the dialogue asked for; every write is keyed by conversation and message. */
    async runEffect(effect: Effect, ctx: EffectContext): Promise<EffectResult> {
      switch (effect.kind) {
        case 'lookup_order':
          return lookupOrder(effect, ctx);
        case 'send_code':
          return sendCode(ctx);
        case 'check_code':
          return checkCode(effect, ctx);
        case 'record_return':
          return recordReturn(effect, ctx);
        case 'open_complaint':
          return openComplaint(effect, ctx);
        case 'hand_off':
          return handOff(effect, ctx);
      }
    },
  };
}

export type DialogueActivities = ReturnType<typeof createDialogueActivities>;
