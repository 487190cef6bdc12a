import type { Lang } from '../i18n';

/** The marketing console's own words, in both languages. */
const TEXT = {
  title: { zh: '营销', en: 'Marketing' },
  needsRole: { zh: '此页面需要营销角色,当前用户:{user}', en: 'This page needs the marketer role; signed in as {user}' },
  segments: { zh: 'RFM 客群', en: 'RFM segments' },
  rescore: { zh: '立即重算', en: 'Rescore now' },
  rescored: { zh: '已重算 {n} 位客户,{moved} 位变动客群', en: 'Rescored {n} customers; {moved} changed segment' },
  campaigns: { zh: '营销活动', en: 'Campaigns' },
  newCampaign: { zh: '新建活动', en: 'New campaign' },
  name: { zh: '名称', en: 'Name' },
  audience: { zh: '目标客群', en: 'Audience' },
  offer: { zh: '优惠券(金额 / 门槛 / 有效天数)', en: 'Coupon (amount / threshold / days valid)' },
  channels: { zh: '渠道(按顺序尝试)', en: 'Channels (tried in order)' },
  variantA: { zh: '版本 A 文案', en: 'Variant A message' },
  variantB: { zh: '版本 B 文案(可选)', en: 'Variant B message (optional)' },
  placeholders: { zh: '可用占位符:{{name}} {{coupon}} {{amount}} {{threshold}} {{expiry}} {{tier}}', en: 'Placeholders: {{name}} {{coupon}} {{amount}} {{threshold}} {{expiry}} {{tier}}' },
  holdout: { zh: '对照组比例 %', en: 'Hold-out %' },
  cron: { zh: '计划(cron,UTC)', en: 'Schedule (cron, UTC)' },
  quiet: { zh: '免打扰时段(北京时间)', en: 'Quiet hours (UTC+8)' },
  cap: { zh: '频次上限(条 / 天)', en: 'Frequency cap (messages / days)' },
  window: { zh: '转化窗口(小时)', en: 'Conversion window (hours)' },
  create: { zh: '创建', en: 'Create' },
  created: { zh: '活动已创建', en: 'Campaign created' },
  status: { zh: '状态', en: 'Status' },
  nextRun: { zh: '下次运行', en: 'Next run' },
  pause: { zh: '暂停', en: 'Pause' },
  resume: { zh: '恢复', en: 'Resume' },
  trigger: { zh: '立即运行', en: 'Run now' },
  triggered: { zh: '已触发一次运行', en: 'A run was triggered' },
  remove: { zh: '删除', en: 'Delete' },
  report: { zh: '效果漏斗', en: 'Funnel' },
  noCampaigns: { zh: '还没有活动', en: 'No campaigns yet' },
  variant: { zh: '版本', en: 'Variant' },
  targeted: { zh: '目标', en: 'Targeted' },
  sent: { zh: '发送', en: 'Sent' },
  delivered: { zh: '送达', en: 'Delivered' },
  converted: { zh: '转化', en: 'Converted' },
  rate: { zh: '转化率', en: 'Rate' },
  revenue: { zh: '收入', en: 'Revenue' },
  uplift: { zh: '相对对照组提升', en: 'Uplift vs hold-out' },
  pValue: { zh: 'p 值', en: 'p-value' },
  significant: { zh: '显著', en: 'significant' },
  notSignificant: { zh: '不显著', en: 'not significant' },
  holdoutRow: { zh: '对照组', en: 'Hold-out' },
  total: { zh: '合计', en: 'All variants' },
  refresh: { zh: '刷新', en: 'Refresh' },
  error: { zh: '出错了:{message}', en: 'Something went wrong: {message}' },
  active: { zh: '进行中', en: 'active' },
  paused: { zh: '已暂停', en: 'paused' },
} as const;

export type TextKey = keyof typeof TEXT;

export function text(lang: Lang, key: TextKey, vars: Record<string, string | number> = {}): string {
  return TEXT[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export const SEGMENT_NAMES = {
  champions: { zh: '重要价值', en: 'Champions' },
  loyal: { zh: '忠诚', en: 'Loyal' },
  potential: { zh: '潜力', en: 'Potential' },
  new: { zh: '新客', en: 'New' },
  at_risk: { zh: '流失风险', en: 'At risk' },
  hibernating: { zh: '沉睡', en: 'Hibernating' },
  lost: { zh: '已流失', en: 'Lost' },
  unscored: { zh: '未评分', en: 'Unscored' },
} as const;
