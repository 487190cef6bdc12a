import mongoose from 'mongoose';
import type { Models } from './db/models';

const ERASED = '[erased]';

/** Other collections keyed by customer that an export lists alongside profile, orders, events and transcripts. */
const RELATED = ['Case', 'Escalation', 'Delivery', 'ChannelMessage', 'Coupon', 'GoodwillCoupon', 'CouponSettlement', 'CampaignTarget', 'JourneyGrant'] as const satisfies ReadonlyArray<keyof Models>;

/** Data-subject requests: everything held about one customer, and its erasure. */
export function createPrivacyService(models: Models) {
  return {
    async exportCustomer(customerId: string) {
      const [profile, orders, events, conversations, messages] = await Promise.all([
        models.Customer.findOne({ customerId }, { _id: 0, __v: 0 }).lean(),
        models.Order.find({ customerId }, { _id: 0, __v: 0 }).lean(),
        models.BehaviourEvent.find({ customerId }, { _id: 0, __v: 0 }).lean(),
        models.Conversation.find({ customerId }, { _id: 0, __v: 0 }).lean(),
        models.Message.find({ customerId }, { _id: 0, __v: 0 }).sort({ conversationId: 1, seq: 1 }).lean(),
      ]);
      if (!profile && orders.length === 0 && events.length === 0 && messages.length === 0) return undefined;
      const related = Object.fromEntries(
        await Promise.all(RELATED.map(async (name) => [name, await (models[name] as mongoose.Model<unknown>).find({ customerId }, { _id: 0, __v: 0 }).lean()] as const)),
      );
      return { customerId, exportedAt: new Date().toISOString(), profile, orders, events, conversations, messages, ...related };
    },

    /**
     * Anonymises rather than deletes where records feed totals (orders, events): identifying fields and
     * free text go, amounts and dates stay. Running it again changes nothing further.
     */
    async eraseCustomer(customerId: string): Promise<{ found: boolean; messages: number; events: number }> {
      const profile = await models.Customer.findOne({ customerId }).lean();
      const messages = await models.Message.updateMany({ customerId, text: mongoose.trusted({ $ne: ERASED }) }, { $set: { text: ERASED, citations: [] } });
      const events = await models.BehaviourEvent.updateMany({ customerId }, { $set: { properties: { erased: true } } });
      // Nothing still waiting goes out; what was sent keeps its status and time, not its words or address.
      await models.Delivery.updateMany({ customerId, status: 'queued' }, { $set: { status: 'failed', failureReason: 'customer data erased' } });
      await models.Delivery.updateMany({ customerId }, { $set: { text: ERASED, to: ERASED }, $unset: { meta: '' } });
      await models.ChannelMessage.updateMany({ customerId }, { $set: { text: ERASED, identity: ERASED, attachments: [], meta: {} } });
      await models.Escalation.updateMany({ customerId }, { $set: { 'packet.summary': ERASED, 'packet.recentTurns': [] } });
      await models.Case.updateMany({ customerId }, { $set: { details: ERASED } });
      if (profile) {
        await models.Customer.updateOne(
          { customerId },
          {
            $set: { name: ERASED, tags: [], doNotContact: true, consent: { sms: false, email: false, wechat: false, app: false } },
            $unset: { phone: '', email: '', wechatOpenId: '', webVisitorIds: '', appUserIds: '', preferences: '' },
          },
        );
      }
      return { found: Boolean(profile) || messages.matchedCount > 0, messages: messages.modifiedCount, events: events.modifiedCount };
    },
  };
}

export type PrivacyService = ReturnType<typeof createPrivacyService>;
