/**
 * Opting out by reply: the marketing templates tell customers to "回复TD退订 / Reply STOP to opt
 * out", so an inbound message that is nothing but one of these words withdraws that channel's
 * marketing consent instead of going to the bot; "START" / "订阅" gives back what was withdrawn that
 * way. One list, here, for every channel adapter.
 */

/** Channels whose inbound messages are read for opt-out keywords (each has marketing consent of its own). */
export const OPT_OUT_CHANNELS = ['sms', 'wechat', 'app'] as const;
export type OptOutChannel = (typeof OPT_OUT_CHANNELS)[number];

/** The carriers' and platforms' usual words; compared after normalising (see `normaliseKeyword`). */
export const OPT_OUT_KEYWORDS = ['TD', 'T', '退订', 'STOP', 'UNSUBSCRIBE', '取消订阅'] as const;

/** Words that give back consent withdrawn by reply ("START", "订阅"), read the same way as the opt-out words. */
export const RESUBSCRIBE_KEYWORDS = ['START', 'SUBSCRIBE', '订阅', '恢复订阅'] as const;

/** Keywords written in Latin letters are answered in English; the Chinese ones (and TD, T, the Chinese SMS convention) in Chinese. */
const ENGLISH_KEYWORDS = new Set(['STOP', 'UNSUBSCRIBE', 'START', 'SUBSCRIBE']);

/**
 * Full-width letters become half-width (NFKC: "ｓｔｏｐ" → "stop"), case is ignored, and white space
 * and punctuation around the word are dropped ("Stop.", "退订。", " TD "). Words inside a sentence
 * are not keywords: "please stop the delivery" is a question for the bot.
 */
export function normaliseKeyword(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .toUpperCase();
}

export function isOptOutChannel(channel: string): channel is OptOutChannel {
  return (OPT_OUT_CHANNELS as readonly string[]).includes(channel);
}

/** The keyword the whole message is, or undefined when the message is anything else. */
export function optOutKeyword(text: string): (typeof OPT_OUT_KEYWORDS)[number] | undefined {
  const word = normaliseKeyword(text);
  return OPT_OUT_KEYWORDS.find((keyword) => keyword === word);
}

/** The re-subscribe keyword the whole message is, or undefined when the message is anything else. */
export function resubscribeKeyword(text: string): (typeof RESUBSCRIBE_KEYWORDS)[number] | undefined {
  const word = normaliseKeyword(text);
  return RESUBSCRIBE_KEYWORDS.find((keyword) => keyword === word);
}

const CHANNEL_NAMES: Record<OptOutChannel, { zh: string; en: string }> = {
  sms: { zh: '短信', en: 'SMS' },
  wechat: { zh: '微信', en: 'WeChat' },
  app: { zh: 'App', en: 'the app' },
};

/** The language of the confirmation: English for an English keyword, else Chinese. */
export function confirmationLang(keyword: string): 'zh' | 'en' {
  return ENGLISH_KEYWORDS.has(keyword) ? 'en' : 'zh';
}

/** The short confirmation sent back on the channel the customer opted out on. */
export function optOutConfirmation(channel: OptOutChannel, lang: 'zh' | 'en'): string {
  const name = CHANNEL_NAMES[channel];
  return lang === 'zh'
    ? `您已退订${name.zh}营销消息,今后不会再收到推广信息;订单和售后通知不受影响。`
    : `You are unsubscribed from marketing messages on ${name.en}. Order and service messages will still reach you.`;
}

/** The answer to a re-subscribe keyword: consent given back (or already given), or left as it is. */
export function resubscribeConfirmation(channel: OptOutChannel, lang: 'zh' | 'en', outcome: 'subscribed' | 'unchanged'): string {
  const name = CHANNEL_NAMES[channel];
  if (outcome === 'subscribed') {
    return lang === 'zh' ? `您已恢复订阅${name.zh}营销消息。回复TD可随时退订。` : `You are subscribed to marketing messages on ${name.en} again. Reply STOP to opt out at any time.`;
  }
  return lang === 'zh'
    ? `您的${name.zh}营销消息设置未更改。如需恢复接收,请联系客服。`
    : `Your marketing preferences on ${name.en} were not changed. Please contact customer service to change them.`;
}
