/** Words that steer a flow regardless of intent: leaving it, confirming, the reason for a return. */

const CANCEL = /^(?:算了|取消|不用了|不要了|先不了|不办了|退出|cancel|never ?mind|forget it|stop|quit)\b|算了|不用了|取消吧|never ?mind|forget it/i;
const YES = /^(?:是|是的|对|对的|好|好的|嗯|确认|确定|没错|可以|行|yes|yeah|yep|ok|okay|sure|confirm|correct|right)\b|^(?:是|对|好|嗯|确认|确定|可以)/i;
const NO = /^(?:不|不是|否|不对|不要|no|nope|not really|don't|do not)\b|^(?:不|否)/i;
const FAULT = /坏|故障|不能用|用不了|无法|损坏|破损|碎|漏|卡顿|死机|发热|不工作|不亮|不开机|质量问题|有问题|毛病|broken|fault|defect|damaged|doesn'?t work|not working|stopped working|won'?t (?:turn on|charge)|crack|leak/i;
const NO_REASON = /无理由|不想要|不要了|不喜欢|不合适|买错|拍错|changed my mind|don'?t (?:want|like|need)|no reason|wrong size|no longer need/i;
const EXCHANGE = /换货|换一个|换个|调换|更换|exchange|replace(?:ment)?|swap/i;
const FINANCE_ACTION = /买入|购买|申购|认购|赎回|转账|转出|投资|buy|purchase|subscribe|redeem|invest|transfer|withdraw/i;
const ACCOUNT_CHANGE = /(?:改|修改|更换|换绑|解绑|重置|注销|change|update|reset|unlink|close|delete).{0,8}(?:手机|电话|号码|密码|地址|账户|账号|邮箱|phone|number|password|address|account|e-?mail)|(?:手机|电话|号码|密码|地址|账户|账号|邮箱|phone|number|password|address|account|e-?mail).{0,6}(?:改|修改|更换|换绑|重置|注销|change|update|reset)/i;
const WANTS_ACTION = /我要|我想|想要|帮我|给我|申请|办理|麻烦|请.{0,2}(?:退|换|查)|i want|i'd like|i would like|please|help me|can you|could you/i;
const ASKS_ABOUT_RULES = /几天|多久|多长时间|期限|时效|政策|规则|条件|流程|规定|怎么|如何|能不能|可不可以|可以.{0,8}吗|how long|how many days|how do|policy|rules|conditions|can i\b|is it possible|what(?:'s| is| are)/i;
const ONE_TIME_CODE = /(?<!\d)(\d{6})(?!\d)/;

export const isCancel = (text: string) => CANCEL.test(text.trim());
export const isYes = (text: string) => YES.test(text.trim()) && !NO.test(text.trim());
export const isNo = (text: string) => NO.test(text.trim());
export const mentionsFault = (text: string) => FAULT.test(text);
export const mentionsNoReason = (text: string) => NO_REASON.test(text);
export const wantsExchange = (text: string) => EXCHANGE.test(text);
export const isFinanceAction = (text: string) => FINANCE_ACTION.test(text);
export const isAccountChange = (text: string) => ACCOUNT_CHANGE.test(text);
/** "几天内可以无理由退货?" asks about the rules; "我要退货" asks to act. Questions get answered, not a flow. */
export const asksAboutRules = (text: string) => ASKS_ABOUT_RULES.test(text) && !WANTS_ACTION.test(text);
/** A satisfaction score of 1 to 5 given on its own: "5", "4分", "5 stars", "五星". */
export function ratingIn(text: string): number | undefined {
  const match = /^\s*([1-5一二三四五])\s*(?:分|星|颗星|stars?|points?|\/\s*5)?\s*[.!。!]?\s*$/i.exec(text);
  if (!match?.[1]) return undefined;
  const digit = '一二三四五'.indexOf(match[1]);
  return digit >= 0 ? digit + 1 : Number(match[1]);
}

export const oneTimeCodeIn = (text: string) => ONE_TIME_CODE.exec(text)?.[1];
