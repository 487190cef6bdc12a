/**
 * Words for the values the desk pages show from the API: alert kinds, queues, priorities, hand-off
 * reasons, timeline events, order and case states, channels and behaviour events. A value not listed
 * here (a new alert kind, a new event) is shown as it came rather than hidden.
 */
type Lang = 'zh' | 'en';
type Labels = Record<string, Record<Lang, string>>;

const alertKind: Labels = {
  queued: { en: 'Waiting in queue', zh: '进入队列' },
  first_response_warning: { en: 'First response due soon', zh: '首次响应即将超时' },
  first_response_breach: { en: 'First response overdue', zh: '首次响应超时' },
  resolution_warning: { en: 'Resolution due soon', zh: '解决时限即将超时' },
  resolution_breach: { en: 'Resolution overdue', zh: '解决超时' },
  case_approval_overdue: { en: 'Approval overdue', zh: '审批逾期' },
  complaint_ack_missed: { en: 'Complaint not acknowledged in time', zh: '投诉未按时受理' },
  complaint_handed_back: { en: 'Complaint handed back unresolved', zh: '投诉未解决即交回' },
  complaint_tier_2: { en: 'Complaint raised to tier 2', zh: '投诉升级至二级' },
  complaint_tier_3: { en: 'Complaint raised to tier 3', zh: '投诉升级至三级' },
  refund_approval_expired: { en: 'Refund approval expired', zh: '退款审批已过期' },
  goodwill_approval_expired: { en: 'Goodwill approval expired', zh: '补偿审批已过期' },
  customer_unreachable: { en: 'Customer unreachable', zh: '无法联系客户' },
};

const queue: Labels = {
  general: { en: 'General', zh: '综合' },
  returns: { en: 'Returns', zh: '退换货' },
  complaints: { en: 'Complaints', zh: '投诉' },
  finance: { en: 'Finance', zh: '金融' },
};

const priority: Labels = {
  normal: { en: 'Normal', zh: '普通' },
  high: { en: 'High', zh: '高' },
};

const handoffReason: Labels = {
  requested: { en: 'Customer asked for a person', zh: '客户要求转人工' },
  negative_sentiment: { en: 'Customer upset', zh: '客户情绪负面' },
  low_confidence: { en: 'Bot not sure', zh: '机器人无法确定' },
  loan: { en: 'Loan enquiry', zh: '贷款咨询' },
  vip_complaint: { en: 'VIP complaint', zh: '会员投诉' },
  verification_failed: { en: 'Identity not verified', zh: '身份验证失败' },
  unresolved: { en: 'Not resolved by the bot', zh: '机器人未能解决' },
  verified_request: { en: 'Verified request', zh: '已验证的请求' },
};

const escalationEvent: Labels = {
  queued: { en: 'queued', zh: '进入队列' },
  assigned: { en: 'assigned', zh: '已分配' },
  accepted: { en: 'accepted', zh: '已接受' },
  replied: { en: 'replied', zh: '已回复' },
  replied_waiting_on_customer: { en: 'replied, waiting for the customer', zh: '已回复,等待客户' },
  customer_message: { en: 'customer wrote', zh: '客户留言' },
  transferred: { en: 'transferred', zh: '已转接' },
  requeued: { en: 'back in the queue', zh: '重新排队' },
  resolved: { en: 'resolved', zh: '已解决' },
  handed_back: { en: 'handed back to the bot', zh: '交回智能客服' },
  withdrawn: { en: 'withdrawn', zh: '已撤回' },
  priority_raised: { en: 'priority raised', zh: '优先级提高' },
  rated: { en: 'rated', zh: '已评分' },
  sla_warning: { en: 'SLA warning', zh: 'SLA 预警' },
  sla_breach: { en: 'SLA breached', zh: 'SLA 超时' },
};

const orderStatus: Labels = {
  paid: { en: 'paid', zh: '已付款' },
  shipped: { en: 'shipped', zh: '已发货' },
  delivered: { en: 'delivered', zh: '已签收' },
  cancelled: { en: 'cancelled', zh: '已取消' },
  returned: { en: 'returned', zh: '已退货' },
};

const channel: Labels = {
  web: { en: 'web chat', zh: '网页' },
  app: { en: 'app', zh: 'App 消息' },
  wechat: { en: 'WeChat', zh: '微信' },
  sms: { en: 'SMS', zh: '短信' },
  email: { en: 'e-mail', zh: '邮件' },
  phone: { en: 'phone', zh: '电话' },
};

const eventType: Labels = {
  page_view: { en: 'page view', zh: '浏览页面' },
  product_view: { en: 'product view', zh: '浏览商品' },
  consult: { en: 'asked about a product', zh: '咨询' },
  add_to_cart: { en: 'added to cart', zh: '加入购物车' },
  purchase: { en: 'purchase', zh: '购买' },
  coupon_redeemed: { en: 'coupon used', zh: '使用优惠券' },
  unsubscribe: { en: 'unsubscribed', zh: '退订' },
  resubscribe: { en: 'subscribed again', zh: '恢复订阅' },
  conversation_closed: { en: 'conversation closed', zh: '会话结束' },
  resolved_by_bot: { en: 'resolved by the bot', zh: '机器人解决' },
  handed_off: { en: 'handed to a person', zh: '转人工' },
};

const conversationStatus: Labels = {
  open: { en: 'open', zh: '进行中' },
  closed: { en: 'closed', zh: '已结束' },
};

const tier: Labels = {
  standard: { en: 'standard', zh: '普通会员' },
  silver: { en: 'silver', zh: '银卡' },
  gold: { en: 'gold', zh: '金卡' },
  platinum: { en: 'platinum', zh: '白金' },
};

const caseType: Labels = {
  return: { en: 'return', zh: '退货' },
  exchange: { en: 'exchange', zh: '换货' },
  complaint: { en: 'complaint', zh: '投诉' },
};

const caseState: Labels = {
  checking: { en: 'checking', zh: '审核中' },
  awaiting_pickup: { en: 'awaiting pickup', zh: '待取件' },
  in_transit: { en: 'in transit', zh: '退回途中' },
  inspecting: { en: 'inspecting', zh: '质检中' },
  awaiting_approval: { en: 'awaiting approval', zh: '待审批' },
  refunding: { en: 'refunding', zh: '退款中' },
  shipping_replacement: { en: 'shipping replacement', zh: '换货发出中' },
  awaiting_finance: { en: 'with finance', zh: '财务处理中' },
  step_failed: { en: 'step failed', zh: '步骤失败' },
  awaiting_csat: { en: 'awaiting rating', zh: '待评价' },
  closed: { en: 'closed', zh: '已结束' },
  cancelled: { en: 'cancelled', zh: '已取消' },
  acknowledging: { en: 'acknowledging', zh: '受理中' },
  assigned: { en: 'with an agent', zh: '处理中' },
  resolving: { en: 'resolving', zh: '解决中' },
  open: { en: 'open', zh: '进行中' },
};

const caseEvent: Labels = {
  opened: { en: 'opened', zh: '已创建' },
  acknowledged: { en: 'acknowledged', zh: '已受理' },
  not_acknowledged: { en: 'not acknowledged in time', zh: '未按时受理' },
  complaint_task_opened: { en: 'desk task opened', zh: '已转客服处理' },
  finance_task_opened: { en: 'finance task opened', zh: '已转财务处理' },
  goodwill_task_opened: { en: 'goodwill task opened', zh: '已转客服补偿' },
  complaint_task_withdrawn: { en: 'desk task withdrawn', zh: '客服任务已撤回' },
  complaint_task_priority_raised: { en: 'desk task priority raised', zh: '客服任务优先级提高' },
  agent_replied: { en: 'agent replied', zh: '客服已回复' },
  customer_notified: { en: 'customer told', zh: '已通知客户' },
  tier_escalated: { en: 'raised a tier', zh: '已升级' },
  alert_raised: { en: 'supervisors alerted', zh: '已提醒主管' },
  refunded: { en: 'refunded', zh: '已退款' },
  replacement_shipped: { en: 'replacement shipped', zh: '换货已发出' },
  return_label_created: { en: 'return label created', zh: '已生成退货面单' },
  resolved: { en: 'resolved', zh: '已解决' },
  closed: { en: 'closed', zh: '已结束' },
  cancelled: { en: 'cancelled', zh: '已取消' },
  csat: { en: 'rated', zh: '已评价' },
};

const tables = { alertKind, queue, priority, handoffReason, escalationEvent, orderStatus, channel, eventType, conversationStatus, tier, caseType, caseState, caseEvent } as const;

export type LabelKind = keyof typeof tables;

/** A value in words in the page's language; an unknown one is shown as it came. */
export function valueLabel(lang: Lang, kind: LabelKind, value: string): string {
  return Object.hasOwn(tables[kind], value) ? tables[kind][value]![lang] : value;
}
