/**
 * Words that signal the same thing in either language, mapped to one shared feature. The model
 * learns each cue's weight from both languages' examples at once, and a synonym it never saw in
 * training ("parcel" for "package", "包裹" for "快递") still reaches the right intent.
 * Chinese cues match as substrings; English cues as whole stemmed words or phrases.
 */
export const INTENT_CUES: Record<string, { zh: string[]; en: string[] }> = {
  greet: {
    zh: ['你好', '您好', '在吗', '在么', '在不在', '哈喽', '哈啰', '嗨', '早上好', '下午好', '晚上好', '早安', '有人吗', '有人在'],
    en: ['hello', 'hi', 'hey', 'morning', 'evening', 'afternoon', 'greeting', 'howdy', 'hiya', 'anyone there', 'anybody', 'you there'],
  },
  thanks: { zh: ['谢谢', '感谢', '多谢', '谢了', '谢啦', '辛苦'], en: ['thank', 'thanks', 'cheer', 'appreciate', 'thx'] },
  farewell: { zh: ['再见', '拜拜', '再会', '下次再', '先这样'], en: ['bye', 'goodbye', 'see you', 'take care', 'nice day'] },
  settled: {
    zh: ['没问题了', '解决了', '明白了', '明白啦', '知道了', '搞定', '没有其他问题', '好了', '没事了', '可以了', '收到'],
    en: ['solved', 'sorted', 'got it', 'that all', 'all good', 'no more question', 'answer my question', 'that everything'],
  },
  praise: {
    zh: ['很好', '真棒', '点赞', '好评', '满意', '不错', '好用', '太好了', '给力'],
    en: ['great', 'awesome', 'excellent', 'love', 'perfect', 'wonderful', 'helpful', 'happy', 'amazing', 'fantastic'],
  },
  shipping: {
    zh: ['快递', '物流', '包裹', '发货', '送到', '到货', '派送', '配送', '签收', '运单', '寄出', '出库', '送货', '自提', '中转'],
    en: ['parcel', 'package', 'ship', 'shipp', 'deliver', 'delivery', 'courier', 'track', 'tracking', 'dispatch', 'transit', 'arrive', 'shipment'],
  },
  order: { zh: ['订单', '下单', '单号', '下的单'], en: ['order', 'purchase'] },
  whereabouts: { zh: ['到哪', '在哪', '进度', '状态', '什么时候', '多久', '几天'], en: ['where', 'status', 'update', 'when', 'how long', 'yet'] },
  returning: {
    zh: ['退货', '换货', '退换', '换一', '换个', '换新', '寄回', '退回去', '无理由', '退掉', '要换', '想换', '能换', '想退', '要退', '能退', '可以退', '退了', '不喜欢', '不想要', '必须换', '换一下', '给我换'],
    en: ['return', 'exchange', 'swap', 'send back', 'send it back', 'replacement', 'replace'],
  },
  defect: {
    zh: ['坏', '故障', '死机', '黑屏', '划痕', '漏水', '异响', '破损', '碎', '没声音', '不能用', '质量', '发错', '不一样', '少了', '装不上', '污渍', '旧的', '二手', '脏'],
    en: ['damage', 'broken', 'broke', 'defective', 'faulty', 'crack', 'not work', 'stopped working', 'leak', 'wrong item', 'missing', 'not as described', 'restart', 'not turn on', 'dead', 'not charg'],
  },
  pending: { zh: ['还没', '还不', '一直没', '迟迟', '怎么还', '还在'], en: ['still', 'yet', 'not yet', 'have not', 'has not', 'never'] },
  refund: { zh: ['退款', '退钱', '钱退', '退回来', '到账', '退的钱', '钱什么时候'], en: ['refund', 'money back', 'my money'] },
  grievance: {
    zh: ['投诉', '差评', '举报', '曝光', '消协', '12315', '不满', '态度', '恶劣', '骗', '坑', '垃圾', '离谱', '敷衍', '推脱', '说法', '踢皮球', '没人理', '报警', '霸道', '骂'],
    en: ['complaint', 'complain', 'terrible', 'unacceptable', 'rude', 'scam', 'worst', 'disappoint', 'furious', 'useless', 'ignor', 'runaround', 'regulator', 'lied', 'yell', 'one star', 'awful', 'ridiculous', 'excuse'],
  },
  person: {
    zh: ['人工', '真人', '活人', '转接', '专员', '经理', '主管', '工作人员', '换个人', '接入'],
    en: ['human', 'person', 'agent', 'representative', 'operator', 'manager', 'supervisor', 'staff', 'someone', 'real person', 'live agent', 'specialist'],
  },
  bot: { zh: ['机器人', '自动回复'], en: ['bot', 'robot', 'automated', 'machine'] },
  deal: {
    zh: ['优惠', '折扣', '打折', '活动', '促销', '满减', '券', '秒杀', '赠品', '包邮', '大促', '双十一', '双十二', '618', '便宜', '补贴', '团购', '差价', '几折'],
    en: ['discount', 'deal', 'coupon', 'promo', 'voucher', 'sale', 'offer', 'free shipping', 'bundle', 'gift', 'code', 'price match', 'black friday', 'cheaper'],
  },
  membership: {
    zh: ['会员', '积分', '金卡', '银卡', '等级', '权益', '生日'],
    en: ['member', 'membership', 'vip', 'point', 'loyalty', 'tier', 'reward', 'perk', 'referral'],
  },
  credentials: {
    zh: ['账号', '账户', '密码', '登录', '登陆', '注册', '验证码', '注销', '绑定', '换绑', '解绑', '实名', '昵称', '头像', '用户名', '盗', '冻结', '锁', '身份'],
    en: ['account', 'password', 'log in', 'login', 'logging', 'sign up', 'username', 'verification', 'locked', 'hack', 'profile', 'two factor', 'unlink', 'suspend', 'identity', 'sms code'],
  },
  paying: {
    zh: ['支付', '付款', '付钱', '扣款', '扣了', '扣钱', '多扣', '支付宝', '信用卡', '分期', '花呗', '货到付款', '发票', '专票', '抬头', '云闪付', '银联', '账单', '扣费', '收费', '付了', '两次', '两笔', '重复'],
    en: ['pay', 'payment', 'paid', 'charge', 'billed', 'invoice', 'receipt', 'card', 'checkout', 'installment', 'fapiao', 'declin', 'billing', 'statement', 'apple pay', 'alipay', 'wechat pay', 'twice', 'double', 'unionpay', 'visa', 'mastercard', 'paypal', 'debit'],
  },
  investing: {
    zh: ['理财', '收益', '年化', '赎回', '本金', '风险', '保本', '基金', '净值', '起投', '投资', '测评', '续投', '闲钱', '赚'],
    en: ['yield', 'wealth', 'invest', 'investment', 'fund', 'principal', 'redeem', 'redemption', 'risk', 'maturity', 'prospectus', 'guaranteed', 'investor', 'annual return', 'earn'],
  },
  lending: {
    zh: ['贷款', '借款', '借钱', '借', '贷', '利率', '利息', '还款', '额度', '房贷', '车贷', '征信', '逾期', '放款', '等额', '周转'],
    en: ['loan', 'borrow', 'mortgage', 'interest rate', 'repay', 'repayment', 'apr', 'credit', 'lend', 'eligible'],
  },
  features: {
    zh: ['电池', '屏幕', '颜色', '参数', '续航', '降噪', '蓝牙', '容量', '多重', '防水', '快充', '现货', '有货', '补货', '库存', '保修', '维修', '推荐', '区别', '正品', '功能', '尺寸', '多大', '支持', '适合', '噪音', '型号', '拍照', '接口'],
    en: ['battery', 'screen', 'colour', 'color', 'spec', 'waterproof', 'warranty', 'repair', 'recommend', 'difference', 'genuine', 'in stock', 'compatible', 'support', 'feature', 'size', 'weight', 'heavy', 'noise', 'camera', 'capacity', 'quiet', 'loud'],
  },
  chitchat: {
    zh: ['天气', '笑话', '诗', '电影', '股市', '机票', '火车票', '翻译', '比特币', '唱', '作文', '数学', '小说', '好吃', '减肥', '几岁', '名字'],
    en: ['weather', 'joke', 'poem', 'haiku', 'movie', 'football', 'bitcoin', 'translate', 'essay', 'song', 'music', 'recipe', 'capital', 'president', 'homework', 'story', 'meaning of life', 'cook'],
  },
};
