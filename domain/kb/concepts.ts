import { englishStems } from './stemming';

/**
 * The customer-service topics a question or an article can be about, with the ways each is
 * written in Chinese and in English. A text that names a topic in either language carries the
 * same term ("@refund"), so paraphrases ("send it back" for return) find their article, and an
 * English question finds an article written only in Chinese. Chinese surfaces match as
 * substrings, so they are at least two characters long unless the character stands alone for
 * the topic (券); English surfaces match whole stemmed words, so "returned" matches "return".
 */
interface Concept {
  id: string;
  zh: string[];
  en: string[];
}

const CONCEPTS: Concept[] = [
  // returns, exchanges and refunds
  { id: 'return', zh: ['退货', '寄回', '退掉', '退吗', '能退', '可以退', '退换', '想退', '要退', '申请退'], en: ['return', 'send back', 'send it back', 'take back'] },
  { id: 'exchange', zh: ['换货', '换新', '调换', '换一个', '更换商品', '退换', '能换', '可以换', '换吗'], en: ['exchange', 'swap', 'replacement unit'] },
  { id: 'no_reason', zh: ['无理由', '不喜欢', '不满意', '不想要', '不合适'], en: ['any reason', 'no reason', 'not like', 'change my mind', 'changed my mind', 'not happy', 'unwanted'] },
  { id: 'fault', zh: ['故障', '坏了', '质量问题', '质量有问题', '有质量', '质量差', '不能用', '用不了', '出问题', '毛病'], en: ['fault', 'faulty', 'broken', 'broke', 'defect', 'defective', 'not working', 'stop working', 'malfunction'] },
  { id: 'resale', zh: ['完好', '配件齐全', '二次销售', '包装完整'], en: ['undamaged', 'resaleable', 'resell', 'original packaging'] },
  { id: 'hygiene', zh: ['拆封', '卫生用品', '定制', '已拆'], en: ['opened', 'open', 'hygiene', 'custom', 'unsealed'] },
  { id: 'refund', zh: ['退款', '退钱', '钱退', '返款', '退费'], en: ['refund', 'money back', 'reimburse'] },
  { id: 'credited', zh: ['到账', '到帐', '退回账户', '收到钱'], en: ['arrive', 'show up', 'come through', 'credited', 'get my money'] },
  { id: 'missing', zh: ['没到账', '未到账', '没收到', '还没到', '一直没'], en: ['not arrived', 'not received', 'not got', 'still waiting', 'not come', 'late', 'delayed', 'overdue', 'taking too long'] },
  { id: 'approval', zh: ['审核', '质检', '检验'], en: ['approve', 'approval', 'inspect', 'inspection', 'review'] },
  { id: 'warehouse', zh: ['仓库', '退货地址'], en: ['warehouse', 'return address'] },
  { id: 'order_number', zh: ['订单号', '订单编号', '单号'], en: ['order number', 'order id', 'order no'] },
  { id: 'order', zh: ['订单', '下单', '下的单'], en: ['order', 'purchase'] },

  // delivery
  { id: 'ship', zh: ['发货', '寄出', '出库', '发出'], en: ['ship', 'dispatch', 'send out', 'sent out'] },
  { id: 'deliver', zh: ['送达', '送到', '寄到', '配送', '几天到', '多久到', '快递'], en: ['deliver', 'delivery', 'courier', 'get to me'] },
  { id: 'track', zh: ['物流', '轨迹', '快递到哪', '查快递', '包裹'], en: ['track', 'tracking', 'parcel', 'package', 'where is my'] },
  { id: 'next_day', zh: ['次日', '第二天', '明天'], en: ['next day', 'tomorrow', '1 day'] },
  { id: 'nearby_region', zh: ['江浙沪', '江苏', '浙江', '上海', '杭州', '南京', '苏州'], en: ['jiangsu', 'zhejiang', 'shanghai', 'hangzhou', 'nanjing', 'suzhou'] },
  { id: 'other_province', zh: ['其他省份', '外省', '广东', '北京', '四川', '湖北', '山东', '河南', '福建', '广州', '深圳', '成都', '武汉'], en: ['other province', 'another province', 'guangdong', 'beijing', 'sichuan', 'hubei', 'shandong', 'henan', 'fujian', 'guangzhou', 'shenzhen', 'chengdu', 'wuhan'] },
  { id: 'remote_region', zh: ['偏远', '新疆', '西藏', '青海', '内蒙'], en: ['remote', 'xinjiang', 'tibet', 'qinghai', 'inner mongolia'] },
  { id: 'preorder', zh: ['预售', '缺货', '到货日期', '没货'], en: ['pre order', 'preorder', 'pre sale', 'out of stock', 'backorder'] },

  // payment methods and problems
  { id: 'alipay', zh: ['支付宝'], en: ['alipay'] },
  { id: 'wechat_pay', zh: ['微信'], en: ['wechat', 'weixin'] },
  { id: 'bank_card', zh: ['银行卡', '储蓄卡', '借记卡', '银联'], en: ['bank card', 'debit card', 'unionpay'] },
  { id: 'credit_card', zh: ['信用卡'], en: ['credit card'] },
  { id: 'pay', zh: ['支付', '付款', '付钱', '买单', '结账'], en: ['pay', 'payment', 'checkout'] },
  { id: 'instalment', zh: ['分期'], en: ['instalment', 'installment', 'pay monthly'] },
  { id: 'payment_failed', zh: ['支付失败', '付款失败', '没付成功', '支付不成功', '付不了', '未支付', '未付款', '待付款'], en: ['payment fail', 'fail', 'not go through', 'declined', 'unpaid', 'not paid'] },
  { id: 'deducted', zh: ['扣款', '扣钱', '扣了', '被扣', '扣费'], en: ['charged', 'deducted', 'taken from', 'debited'] },
  { id: 'double_charge', zh: ['重复扣款', '扣了两次', '多扣', '重复支付', '扣两次'], en: ['double charge', 'charged twice', 'charge twice', 'duplicate charge', 'paid twice'] },
  { id: 'screenshot', zh: ['截图'], en: ['screenshot', 'screen shot'] },

  // coupons and membership
  { id: 'coupon', zh: ['优惠券', '券', '红包', '优惠码'], en: ['coupon', 'voucher', 'promo code', 'discount code'] },
  { id: 'expiry', zh: ['有效期', '过期', '失效', '到期'], en: ['expire', 'expiry', 'valid', 'validity'] },
  { id: 'stacking', zh: ['叠加', '同时使用', '一起用', '合并使用', '同时用', '一起使用'], en: ['combine', 'stack', 'together', 'same time', 'both'] },
  { id: 'one_per_order', zh: ['每笔订单限用一张', '几张', '两张', '多张', '限用'], en: ['one per order', 'two coupon', 'multiple coupon', 'more than one', 'how many coupon'] },
  { id: 'cash', zh: ['现金', '提现', '兑换'], en: ['cash', 'withdraw'] },
  { id: 'threshold', zh: ['门槛', '满减', '实付'], en: ['threshold', 'minimum spend', 'amount actually paid'] },
  { id: 'first_order', zh: ['新人', '首单', '新用户', '第一单'], en: ['welcome', 'first order', 'new customer', 'new user', 'second order'] },
  { id: 'reissue', zh: ['补发', '重新发', '再发一张', '补一张', '能补'], en: ['reissue', 'resend', 'another one', 'give me a new'] },
  { id: 'member', zh: ['会员'], en: ['member', 'membership', 'vip'] },
  { id: 'tier', zh: ['等级', '级别', '几级', '四级', '几个等级', '升级'], en: ['level', 'tier', 'rank', 'upgrade'] },
  { id: 'silver', zh: ['银卡'], en: ['silver'] },
  { id: 'gold', zh: ['金卡'], en: ['gold'] },
  { id: 'black_gold', zh: ['黑金'], en: ['black gold', 'black-gold'] },
  { id: 'spend', zh: ['消费', '买满', '花多少', '花了', '累计'], en: ['spend', 'spent', 'spending', 'purchases'] },
  { id: 'discount', zh: ['折扣', '打折', '95折', '九五折'], en: ['discount', 'cheaper'] },
  { id: 'dedicated_service', zh: ['专属客服'], en: ['dedicated', 'personal service', 'account manager'] },
  { id: 'birthday', zh: ['生日'], en: ['birthday'] },
  { id: 'priority', zh: ['优先'], en: ['priority', 'first in line'] },
  { id: 'benefits', zh: ['权益', '福利', '特权', '好处', '有什么优惠'], en: ['benefit', 'perk', 'privilege', 'reward', 'what do i get'] },

  // warranty and repair
  { id: 'warranty', zh: ['保修', '质保', '保固', '保修期'], en: ['warranty', 'guarantee period', 'covered'] },
  { id: 'repair', zh: ['维修', '修理', '报修', '修一下', '修好'], en: ['repair', 'fix', 'mend'] },
  { id: 'user_damage', zh: ['进水', '泡水', '摔坏', '摔了', '人为损坏', '碎屏', '屏幕碎', '摔碎', '掉水'], en: ['water damage', 'wet', 'drop', 'dropped', 'cracked', 'smashed', 'spill', 'my fault'] },
  { id: 'fee', zh: ['付费', '收费', '费用', '要钱', '花钱'], en: ['fee', 'cost', 'pay for', 'paid'] },
  { id: 'free', zh: ['免费'], en: ['free', 'no charge'] },
  { id: 'phone', zh: ['手机'], en: ['phone', 'smartphone', 'mobile'] },
  { id: 'earbuds', zh: ['耳机', '耳麦'], en: ['earbud', 'earphone', 'headphone', 'buds', 'headset'] },
  { id: 'battery', zh: ['电池'], en: ['battery'] },
  { id: 'accessory', zh: ['配件', '充电器', '保护壳', '数据线'], en: ['accessory', 'accessories', 'charger', 'case', 'cable'] },

  // invoices
  { id: 'invoice', zh: ['发票', '开票', '专票', '普票'], en: ['invoice', 'receipt', 'fapiao', 'tax invoice'] },
  { id: 'e_invoice', zh: ['电子发票', '电子普通发票', '电子票'], en: ['e invoice', 'e-invoice', 'electronic invoice', 'digital invoice', 'pdf invoice'] },
  { id: 'vat_invoice', zh: ['增值税', '专用发票', '专票'], en: ['vat', 'special invoice', 'value added tax'] },
  { id: 'company_details', zh: ['公司', '税号', '开户行', '抬头'], en: ['company', 'tax number', 'tax id', 'taxpayer', 'business detail'] },
  { id: 'order_details', zh: ['订单详情', '订单页'], en: ['order detail', 'order page'] },
  { id: 'email', zh: ['邮箱', '邮件'], en: ['email', 'e-mail', 'mailbox', 'inbox'] },

  // account security and privacy
  { id: 'account', zh: ['账户', '账号', '帐号', '帐户'], en: ['account'] },
  { id: 'password', zh: ['密码'], en: ['password', 'passcode', 'pin'] },
  { id: 'sms_code', zh: ['验证码', '短信码', '动态码', '校验码'], en: ['sms code', 'verification code', 'otp', 'one time code'] },
  { id: 'ask_for_secret', zh: ['索要', '问我要', '跟我要', '向我要'], en: ['ask for your', 'ask for my', 'ask me for', 'request my'] },
  { id: 'phone_number', zh: ['手机号', '电话号码', '手机号码', '绑定手机'], en: ['phone number', 'mobile number', 'number on my account'] },
  { id: 'change_binding', zh: ['换绑', '修改绑定', '更换手机号', '改手机号', '换手机号'], en: ['change the phone number', 'change my phone number', 'update my phone number', 'change number'] },
  { id: 'face_check', zh: ['人脸识别', '刷脸', '人脸'], en: ['face check', 'face recognition', 'facial', 'selfie'] },
  { id: 'suspicious_login', zh: ['异常登录', '别人登录', '被登录', '陌生设备', '被盗', '盗号', '不是我登录'], en: ['someone logged', 'login you not recognise', 'not recognise', 'hacked', 'suspicious', 'unknown login', 'someone else', 'stolen'] },
  { id: 'freeze', zh: ['冻结', '锁定', '封号'], en: ['freeze', 'lock', 'block'] },
  { id: 'privacy', zh: ['个人信息', '隐私', '个人资料', '我的信息', '我的数据'], en: ['personal data', 'personal information', 'privacy', 'my data', 'my information', 'my detail'] },
  { id: 'data_law', zh: ['个人信息保护法', '法律'], en: ['law', 'pipl', 'gdpr', 'legal'] },
  { id: 'masking', zh: ['脱敏', '打码', '隐藏', '明文', '加密'], en: ['mask', 'masked', 'hidden', 'plain text', 'encrypt'] },
  { id: 'data_rights', zh: ['更正', '删除', '注销'], en: ['access', 'correct', 'delete', 'erase', 'remove'] },
  { id: 'unsubscribe', zh: ['退订', '取消订阅', '不想收到', '别再发', '不要再发'], en: ['unsubscribe', 'opt out', 'stop sending', 'stop send'] },
  { id: 'marketing', zh: ['营销', '促销', '推广', '广告'], en: ['marketing', 'promotion', 'promotional', 'advert', 'ads', 'spam'] },
  { id: 'id_card', zh: ['身份证'], en: ['id card', 'id number', 'identity card', 'identity document'] },

  // wealth products and loans
  { id: 'wealth', zh: ['理财', '投资', '基金'], en: ['wealth', 'investment', 'invest', 'investing', 'fund'] },
  { id: 'deposit', zh: ['存款', '储蓄', '存钱'], en: ['deposit', 'saving'] },
  { id: 'risk', zh: ['风险', '亏损', '亏钱', '安全吗'], en: ['risk', 'risky', 'lose money', 'loss'] },
  { id: 'principal_guarantee', zh: ['保本', '本金'], en: ['principal', 'capital guaranteed', 'capital protected'] },
  { id: 'yield', zh: ['收益', '利息', '回报', '年化', '业绩比较基准'], en: ['yield', 'interest', 'profit', 'earn', 'benchmark', 'apy'] },
  { id: 'risk_assessment', zh: ['风险承受能力评估', '风险评估', '风险测评', '测评', '评估', '风险评级'], en: ['risk assessment', 'risk tolerance', 'assessment', 'questionnaire', 'risk test', 'rating', 'rated'] },
  { id: 'eligibility', zh: ['适合', '谁可以买', '谁能买', '能买吗', '可以买吗', '够格'], en: ['suitable', 'who can buy', 'eligible', 'allowed to buy', 'can i buy'] },
  { id: 'promise', zh: ['承诺', '保证'], en: ['promise', 'guarantee', 'guaranteed'] },
  { id: 'loan', zh: ['贷款', '借钱', '借款', '信贷', '消费贷'], en: ['loan', 'borrow', 'credit line', 'lend'] },
  { id: 'documents', zh: ['材料', '资料', '证件', '证明', '准备什么', '需要提供', '需提供', '须提供', '要提供'], en: ['document', 'paperwork', 'material', 'proof', 'what do i need', 'need to provide'] },
  { id: 'income_proof', zh: ['收入证明', '工资证明'], en: ['proof of income', 'income', 'payslip', 'salary'] },
  { id: 'bank_statement', zh: ['银行流水', '流水'], en: ['bank statement', 'statement'] },
  { id: 'real_name', zh: ['实名认证', '实名'], en: ['real name', 'real-name', 'verify my identity', 'identity verification'] },
  { id: 'credit_adviser', zh: ['信贷顾问', '信贷经理'], en: ['credit adviser', 'credit advisor', 'loan officer', 'adviser', 'advisor'] },
  { id: 'credit_limit', zh: ['额度', '利率', '能借多少'], en: ['limit', 'interest rate', 'apr', 'how much can i borrow'] },
  { id: 'apply', zh: ['申请', '办理'], en: ['apply', 'application'] },

  // the air purifier
  { id: 'purifier', zh: ['空气净化器', '净化器'], en: ['air purifier', 'purifier'] },
  { id: 'filter', zh: ['滤芯', '滤网'], en: ['filter'] },
  { id: 'replace', zh: ['更换', '换一次', '替换', '换滤芯', '多久换', '怎么换'], en: ['replace', 'replacement', 'change the filter', 'swap the filter', 'how often'] },
  { id: 'reminder', zh: ['提醒', '通知'], en: ['remind', 'reminder', 'notify', 'notification', 'alert', 'warn'] },
  { id: 'lifespan', zh: ['寿命', '用多久', '能用多长'], en: ['lifespan', 'life', 'how long does it last', 'last for', 'wear out'] },
  { id: 'power_off', zh: ['断电', '关机', '拔掉电源', '拔电源', '关掉电源'], en: ['unplug', 'power off', 'switch off', 'turn off'] },
  { id: 'reset', zh: ['复位', '重置', '归零', '复位键'], en: ['reset', 'restart the counter', 'clear the warning'] },
  { id: 'install', zh: ['后盖', '装入', '安装', '取出', '包装袋', '撕掉'], en: ['back cover', 'install', 'fit the new', 'take out', 'remove the old', 'wrapper', 'packaging'] },

  // people
  { id: 'human', zh: ['人工', '真人', '客服'], en: ['agent', 'human', 'real person', 'staff'] },
];

interface CompiledConcept {
  term: string;
  han: string[];
  /** Space-padded stem phrases, matched against the space-padded stems of a text. */
  stemPhrases: string[];
}

const HAN = /\p{Script=Han}/u;

function padded(stems: string[]): string {
  return ` ${stems.join(' ')} `;
}

const COMPILED: CompiledConcept[] = CONCEPTS.map((concept) => {
  const surfaces = [...concept.zh, ...concept.en];
  return {
    term: `@${concept.id}`,
    han: surfaces.filter((s) => HAN.test(s)),
    stemPhrases: surfaces.filter((s) => !HAN.test(s)).map((s) => padded(englishStems(s))),
  };
});

function occurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** One "@concept" term per time a concept is named in the (already folded) text. */
export function conceptTerms(foldedText: string): string[] {
  const stems = padded(englishStems(foldedText));
  const terms: string[] = [];
  for (const concept of COMPILED) {
    const counts = [...concept.han.map((s) => occurrences(foldedText, s)), ...concept.stemPhrases.map((s) => occurrences(stems, s))];
    const count = Math.max(0, ...counts);
    for (let i = 0; i < count; i++) terms.push(concept.term);
  }
  return terms;
}
