/** The demo shop's customers, orders and behaviour events, dated relative to when they are seeded. */

export interface DemoCustomer {
  customerId: string;
  name: string;
  lang: 'zh' | 'en';
  tier: 'standard' | 'silver' | 'gold' | 'platinum';
  phone?: string;
  email?: string;
  wechatOpenId?: string;
  consent: { sms: boolean; email: boolean; wechat: boolean; app: boolean };
  tags: string[];
}

export interface DemoOrder {
  orderId: string;
  customerId: string;
  status: 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'returned';
  items: Array<{ sku: string; quantity: number; price: number }>;
  total: number;
  placedAt: Date;
  shippedAt?: Date;
  deliveredAt?: Date;
  carrier?: string;
  trackingNumber?: string;
}

export interface DemoEvent {
  eventId: string;
  customerId: string;
  type: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
}

export const DEMO_USERS = [
  { username: 'admin', displayName: 'Ada Admin', roles: ['admin'] },
  { username: 'ops', displayName: 'Oscar Ops', roles: ['ops'] },
  { username: 'supervisor', displayName: '苏主管 Su', roles: ['supervisor', 'agent'] },
  { username: 'agent', displayName: '李客服 Li', roles: ['agent'] },
  { username: 'marketer', displayName: 'Mia Marketer', roles: ['marketer'] },
] as const;

const allConsent = { sms: true, email: true, wechat: true, app: true };

/** The demo users who work escalations; they start offline and go online in the workbench. */
export const DEMO_AGENTS = [
  { agentId: 'agent', displayName: '李客服 Li', skills: ['general', 'returns', 'complaints'], capacity: 3, team: 'service' },
  { agentId: 'supervisor', displayName: '苏主管 Su', skills: ['general', 'returns', 'complaints', 'finance'], capacity: 2, team: 'service' },
] as const;

export const DEMO_CUSTOMERS: DemoCustomer[] = [
  { customerId: 'c-1001', name: '王小明', lang: 'zh', tier: 'gold', phone: '13800138001', wechatOpenId: 'o-wx-1001', consent: allConsent, tags: ['phone-buyer'] },
  { customerId: 'c-1002', name: '李娜', lang: 'zh', tier: 'silver', phone: '13900139002', email: 'lina@example.cn', consent: { ...allConsent, sms: false }, tags: [] },
  { customerId: 'c-1003', name: 'Emily Chen', lang: 'en', tier: 'platinum', phone: '13700137003', email: 'emily.chen@example.com', consent: allConsent, tags: ['vip'] },
  { customerId: 'c-1004', name: '张伟', lang: 'zh', tier: 'standard', phone: '13600136004', consent: { sms: true, email: false, wechat: false, app: false }, tags: [] },
  { customerId: 'c-1005', name: 'James Liu', lang: 'en', tier: 'standard', email: 'james.liu@example.com', consent: { sms: false, email: true, wechat: false, app: true }, tags: [] },
  { customerId: 'c-1006', name: '赵敏', lang: 'zh', tier: 'gold', phone: '13500135006', wechatOpenId: 'o-wx-1006', consent: allConsent, tags: ['parent'] },
  { customerId: 'c-1007', name: '陈静', lang: 'zh', tier: 'silver', phone: '13400134007', consent: allConsent, tags: ['home'] },
  { customerId: 'c-1008', name: 'Sophie Wang', lang: 'en', tier: 'standard', email: 'sophie.wang@example.com', consent: { sms: false, email: true, wechat: false, app: false }, tags: [] },
  { customerId: 'c-1009', name: '刘洋', lang: 'zh', tier: 'standard', phone: '13300133009', consent: { sms: false, email: false, wechat: false, app: false }, tags: ['do-not-disturb'] },
  { customerId: 'c-1010', name: '黄丽', lang: 'zh', tier: 'platinum', phone: '13200132010', wechatOpenId: 'o-wx-1010', consent: allConsent, tags: ['wealth'] },
  { customerId: 'c-1011', name: 'Daniel Zhou', lang: 'en', tier: 'silver', phone: '13100131011', email: 'daniel.zhou@example.com', consent: allConsent, tags: [] },
  { customerId: 'c-1012', name: '孙悦', lang: 'zh', tier: 'standard', phone: '15000150012', consent: allConsent, tags: ['lapsed'] },
];

const DAY = 86_400_000;

export function demoOrders(now: Date, priceOf: (sku: string) => number): DemoOrder[] {
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const order = (orderId: string, customerId: string, skus: string[], status: DemoOrder['status'], placedDaysAgo: number): DemoOrder => {
    const items = skus.map((sku) => ({ sku, quantity: 1, price: priceOf(sku) }));
    const shipped = status !== 'paid' && status !== 'cancelled';
    const delivered = status === 'delivered' || status === 'returned';
    return {
      orderId,
      customerId,
      status,
      items,
      total: items.reduce((sum, i) => sum + i.price * i.quantity, 0),
      placedAt: ago(placedDaysAgo),
      ...(shipped ? { shippedAt: ago(placedDaysAgo - 1), carrier: 'SF Express', trackingNumber: `SF${orderId.replace(/\D/g, '')}` } : {}),
      ...(delivered ? { deliveredAt: ago(Math.max(0, placedDaysAgo - 3)) } : {}),
    };
  };
  return [
    order('LD20261001', 'c-1001', ['PH-X5-128', 'AC-CASE-X5'], 'delivered', 5),
    order('LD20261002', 'c-1001', ['AC-EARBUD-2'], 'delivered', 40),
    order('LD20261003', 'c-1002', ['HM-AIR-P3'], 'delivered', 12),
    order('LD20261004', 'c-1003', ['PH-X5-256', 'AC-CHG-67W'], 'shipped', 2),
    order('LD20261005', 'c-1004', ['PH-L2'], 'paid', 0),
    order('LD20261006', 'c-1005', ['AC-EARBUD-2'], 'delivered', 9),
    order('LD20261007', 'c-1006', ['KB-BAG-01', 'KB-STAT-SET'], 'delivered', 4),
    order('LD20261008', 'c-1007', ['HM-FILTER-P3'], 'delivered', 180),
    order('LD20261009', 'c-1008', ['AC-CASE-X5'], 'cancelled', 20),
    order('LD20261010', 'c-1010', ['PH-X5-256'], 'delivered', 60),
    order('LD20261011', 'c-1011', ['KB-BOTTLE'], 'delivered', 25),
    order('LD20261012', 'c-1012', ['PH-X5-128'], 'delivered', 200),
  ];
}

export function demoEvents(now: Date, orders: DemoOrder[]): DemoEvent[] {
  const events: DemoEvent[] = orders
    .filter((o) => o.status !== 'cancelled')
    .map((o) => ({
      eventId: `seed-purchase-${o.orderId}`,
      customerId: o.customerId,
      type: 'purchase',
      occurredAt: o.placedAt,
      properties: { orderId: o.orderId, amount: o.total, items: o.items.map((i) => i.sku) },
    }));
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
  events.push(
    { eventId: 'seed-view-1004-x5', customerId: 'c-1004', type: 'product_view', occurredAt: hoursAgo(30), properties: { sku: 'PH-X5-128' } },
    { eventId: 'seed-cart-1004-x5', customerId: 'c-1004', type: 'add_to_cart', occurredAt: hoursAgo(29), properties: { sku: 'PH-X5-128' } },
    { eventId: 'seed-view-1008-buds', customerId: 'c-1008', type: 'product_view', occurredAt: hoursAgo(5), properties: { sku: 'AC-EARBUD-2' } },
    { eventId: 'seed-page-1009', customerId: 'c-1009', type: 'page_view', occurredAt: hoursAgo(72), properties: { path: '/promotions' } },
    { eventId: 'seed-view-1010-r2', customerId: 'c-1010', type: 'product_view', occurredAt: hoursAgo(12), properties: { sku: 'FN-WM-R2' } },
  );
  return events;
}
