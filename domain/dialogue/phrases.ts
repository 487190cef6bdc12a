import type { Lang } from '../language';
import type { Eligibility } from './returns-policy';
import type { OrderSummary } from './types';

type Bilingual = Record<Lang, string>;
const say = (lang: Lang, text: Bilingual) => text[lang];

const STATUS: Record<OrderSummary['status'], Bilingual> = {
  paid: { zh: '已付款,等待发货', en: 'paid and waiting to ship' },
  shipped: { zh: '已发货', en: 'shipped' },
  delivered: { zh: '已签收', en: 'delivered' },
  cancelled: { zh: '已取消', en: 'cancelled' },
  returned: { zh: '已退货', en: 'returned' },
};

const day = (iso: string) => iso.slice(0, 10);

export const phrases = {
  askOrder: (lang: Lang) => say(lang, { zh: '请提供订单号(例如 LD20261001)或下单时的手机号。', en: 'Please give me your order number (e.g. LD20261001) or the phone number you ordered with.' }),
  orderNotFound: (lang: Lang) => say(lang, { zh: '没有找到这个订单,请核对订单号或手机号后再发给我。', en: "I couldn't find that order. Please check the order number or phone number and send it again." }),
  orderStatus(lang: Lang, order: OrderSummary): string {
    const items = order.items.map((i) => i.name).join(lang === 'zh' ? '、' : ', ');
    const tracking = order.trackingNumber ? (lang === 'zh' ? `,${order.carrier ?? ''}运单号 ${order.trackingNumber}` : `, ${order.carrier ?? 'carrier'} tracking number ${order.trackingNumber}`) : '';
    const delivered = order.deliveredAt ? (lang === 'zh' ? `,签收于 ${day(order.deliveredAt)}` : `, delivered on ${day(order.deliveredAt)}`) : '';
    return lang === 'zh'
      ? `订单 ${order.orderId}(${items})${STATUS[order.status].zh}${tracking}${delivered}。`
      : `Order ${order.orderId} (${items}) is ${STATUS[order.status].en}${tracking}${delivered}.`;
  },
  askReturnReason: (lang: Lang) => say(lang, { zh: '请问是商品有质量问题,还是不想要了(无理由退货)?', en: 'Is something wrong with the item, or have you changed your mind (no-reason return)?' }),
  confirmReturn(lang: Lang, order: OrderSummary, request: 'return' | 'exchange'): string {
    const what = request === 'exchange' ? { zh: '换货', en: 'an exchange' } : { zh: '退货', en: 'a return' };
    return lang === 'zh'
      ? `订单 ${order.orderId} 符合${what.zh}条件。确认为您提交${what.zh}申请吗?(回复"是"或"否")`
      : `Order ${order.orderId} qualifies for ${what.en}. Shall I submit it? (yes / no)`;
  },
  returnRecorded: (lang: Lang, requestId: string) =>
    say(lang, {
      zh: `已为您提交申请,单号 ${requestId}。退货地址和后续步骤会通过短信发送给您;仓库签收质检后1-3个工作日原路退款。`,
      en: `Done: your request number is ${requestId}. We will send the return address and next steps by message; the refund reaches your original payment method 1-3 business days after the warehouse checks the item.`,
    }),
  returnAlreadyOpen: (lang: Lang, orderId: string, caseId: string) =>
    say(lang, {
      zh: `订单 ${orderId} 已有一个处理中的退换货申请,单号 ${caseId},无需重复提交;后续进度会通过消息通知您。`,
      en: `Order ${orderId} already has a return or exchange in progress, number ${caseId}, so there is no need to submit another; we will keep you posted on it.`,
    }),
  notEligible(lang: Lang, order: OrderSummary, why: Extract<Eligibility, { eligible: false }>): string {
    const reasons: Record<typeof why.why, Bilingual> = {
      not_delivered: { zh: `订单 ${order.orderId} 还未签收,签收后7天内可申请无理由退货。`, en: `Order ${order.orderId} has not been delivered yet; you can return it within 7 days of delivery.` },
      already_closed: { zh: `订单 ${order.orderId} 已取消或已退货,无需再次申请。`, en: `Order ${order.orderId} is already cancelled or returned.` },
      excluded_category: { zh: '理财等金融产品不适用退货。', en: 'Financial products cannot be returned.' },
      hygiene_item: { zh: '已拆封的耳机类个人卫生用品不支持无理由退货;如有质量问题,15天内可申请换货。', en: 'Opened earbuds are personal-hygiene items and cannot be returned without a reason; if faulty, you can exchange them within 15 days.' },
      too_late: {
        zh: `订单 ${order.orderId} 已签收 ${why.daysSinceDelivery ?? ''} 天,超过了 ${why.limitDays ?? ''} 天的期限。保修期内的故障可以申请维修。`,
        en: `Order ${order.orderId} was delivered ${why.daysSinceDelivery ?? ''} days ago, past the ${why.limitDays ?? ''}-day limit. Faults within warranty can be repaired.`,
      },
    };
    return reasons[why.why][lang];
  },
  askComplaintDetails: (lang: Lang) => say(lang, { zh: '非常抱歉给您带来不好的体验。请具体说说发生了什么(如有订单号请一并提供)。', en: "I'm sorry about this. Please tell me what happened (and the order number, if there is one)." }),
  complaintOpened: (lang: Lang, caseId: string) =>
    say(lang, { zh: `已为您登记投诉,编号 ${caseId}。我们会在24小时内联系您处理。`, en: `I've registered your complaint as ${caseId}. We will contact you within 24 hours.` }),
  codeSent: (lang: Lang, destination: string) =>
    say(lang, { zh: `为保护您的账户安全,验证码已发送至 ${destination},请在5分钟内在此输入6位验证码。`, en: `To protect your account, I've sent a code to ${destination}. Please type the 6-digit code here within 5 minutes.` }),
  codeWrong: (lang: Lang, left: number) => say(lang, { zh: `验证码不正确,还可以再试 ${left} 次。`, en: `That code is not right; ${left} attempt(s) left.` }),
  codeExpired: (lang: Lang) => say(lang, { zh: '验证码已过期,我重新给您发一个。', en: 'That code has expired; I am sending you a new one.' }),
  askCode: (lang: Lang) => say(lang, { zh: '请输入短信中的6位验证码(回复"取消"可退出)。', en: 'Please type the 6-digit code from the message (or "cancel").' }),
  noPhoneForCode: (lang: Lang) => say(lang, { zh: '您的账户没有可接收验证码的手机号,我为您转接人工客服核实身份。', en: "There is no phone number on your account to send a code to, so I'm connecting you with an agent to verify your identity." }),
  verifiedHandoff: (lang: Lang) => say(lang, { zh: '身份验证通过。该操作需要人工客服为您办理,正在为您转接。', en: 'You are verified. An agent needs to complete this for you; connecting you now.' }),
  cancelled: (lang: Lang) => say(lang, { zh: '好的,已取消。还有什么可以帮您?', en: 'OK, cancelled. Anything else I can help with?' }),
  resume: (lang: Lang, prompt: string) => say(lang, { zh: `回到刚才的问题:${prompt}`, en: `Back to where we were: ${prompt}` }),
  handingOff: (lang: Lang) => say(lang, { zh: '正在为您转接人工客服,请稍候,您之前说的内容客服都能看到。', en: "I'm connecting you with a human agent now; they will see everything you've told me." }),
  waitingForAgent: (lang: Lang) => say(lang, { zh: '已收到,人工客服接入后会第一时间回复您。', en: 'Got it. An agent will reply as soon as they join.' }),
  agentJoined: (lang: Lang, name: string) => say(lang, { zh: `客服 ${name} 已接入,正在为您服务。`, en: `${name} has joined and will help you now.` }),
  askRating: (lang: Lang) => say(lang, { zh: '本次服务已结束。请为我们的服务打分(1-5分,5分最满意)。', en: 'This conversation with our agent has ended. How would you rate the service from 1 to 5 (5 is best)?' }),
  thanksForRating: (lang: Lang) => say(lang, { zh: '感谢您的评价!', en: 'Thank you for your rating!' }),
  greeting: (lang: Lang) => say(lang, { zh: '您好!我是智能客服,请问有什么可以帮您?', en: 'Hello! I am the virtual assistant. How can I help?' }),
  goodbye: (lang: Lang) => say(lang, { zh: '感谢您的咨询,祝您生活愉快!', en: 'Thanks for reaching out. Have a great day!' }),
};
