import type { HandoffPacket } from '../api';

type Lang = 'zh' | 'en';

/** What the customer was after, by the intent the bot recognised, in words an agent would use to them. */
const TOPICS: Record<string, Record<Lang, string>> = {
  order_status: { zh: '订单物流', en: 'your order' },
  return_exchange: { zh: '退换货', en: 'your return' },
  refund_status: { zh: '退款进度', en: 'your refund' },
  complaint: { zh: '您反映的问题', en: 'your complaint' },
  product_inquiry: { zh: '商品', en: 'the product you asked about' },
  payment: { zh: '支付', en: 'your payment' },
  account: { zh: '账户', en: 'your account' },
  promotion: { zh: '优惠活动', en: 'our offers' },
  financial_product: { zh: '理财产品', en: 'our financial products' },
  loan: { zh: '贷款申请', en: 'your loan application' },
};

/** The customer's last intent that says what they need, rather than "hello" or "a person, please". */
export function lastTopic(packet: HandoffPacket): string | undefined {
  return packet.intents.map((signal) => signal.intent).findLast((intent) => intent in TOPICS);
}

/**
 * A first message for the agent to start from: greets the customer in their language, shows that
 * the agent has read what they told the bot (topic, order number), and apologises when they were upset.
 */
export function suggestedReply(packet: HandoffPacket, agentName: string, customerName?: string): string {
  const lang: Lang = packet.lang === 'en' ? 'en' : 'zh';
  const topicKey = lastTopic(packet);
  const topic = topicKey ? TOPICS[topicKey]?.[lang] : undefined;
  const orderId = packet.slots.order_id;
  const upset = packet.intents.at(-1)?.sentiment === 'negative' || packet.reason === 'negative_sentiment' || packet.reason === 'vip_complaint';
  if (lang === 'zh') {
    const greeting = `您好${customerName ? `,${customerName}` : ''}!我是客服${agentName},接下来由我为您服务。`;
    const apology = upset ? '非常抱歉给您带来不好的体验。' : '';
    const context = topic
      ? `我已经看到您之前关于${topic}${orderId ? `(订单 ${orderId})` : ''}的咨询,马上为您处理。`
      : '我已经看过您之前的对话记录,请问还有什么需要补充的吗?';
    return greeting + apology + context;
  }
  const greeting = `Hello${customerName ? ` ${customerName}` : ''}, I'm ${agentName} and I'll take it from here.`;
  const apology = upset ? " I'm sorry for the trouble." : '';
  const context = topic
    ? ` I can see what you told us about ${topic}${orderId ? ` (order ${orderId})` : ''}, and I'm looking into it now.`
    : " I've read your conversation so far; is there anything you'd like to add?";
  return greeting + apology + context;
}

/** Replies agents send often, in the customer's language. */
export function cannedReplies(lang: string): string[] {
  return lang === 'en'
    ? [
        "Let me check that for you; it will take a moment.",
        'Could you give me your order number, please?',
        'Thank you for waiting. Is there anything else I can help with?',
        "I've taken care of it. Have a great day!",
      ]
    : ['我来为您查询一下,请稍等。', '麻烦提供一下您的订单号。', '感谢您的耐心等待,请问还有其他可以帮您的吗?', '已经为您处理好了,祝您生活愉快!'];
}
