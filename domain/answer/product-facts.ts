import type { Product } from '../catalog';
import type { Lang } from '../language';
import { foldText } from '../nlu/text';

/**
 * What the catalog can say about a product, and which of it a question asks for. Every clause is
 * read from the product's own fields; nothing is said about an attribute the product lacks.
 */

type Describe = (value: unknown, lang: Lang, ctx: DescribeContext) => string;

interface DescribeContext {
  question: string;
  catalog: Product[];
}

interface Facet {
  /** "price", "stock", or the catalog attribute it reads. */
  key: string;
  /** Matched against the folded (lower-case, half-width) question. */
  cue: RegExp;
  describe: Describe;
}

const COLOUR_NAMES: Record<string, string> = {
  black: '黑色',
  white: '白色',
  silver: '银色',
  blue: '蓝色',
  red: '红色',
  pink: '粉色',
  green: '绿色',
  yellow: '黄色',
  gold: '金色',
  grey: '灰色',
  gray: '灰色',
  purple: '紫色',
};

function listOf(items: string[], lang: Lang): string {
  if (lang === 'zh') return items.join('、');
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function text(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

const bilingual =
  (zh: (v: string) => string, en: (v: string) => string): Describe =>
  (value, lang) =>
    lang === 'zh' ? zh(text(value)) : en(text(value));

const yesNo =
  (zhYes: string, zhNo: string, enYes: string, enNo: string): Describe =>
  (value, lang) =>
    value === true ? (lang === 'zh' ? zhYes : enYes) : lang === 'zh' ? zhNo : enNo;

const describeNetwork: Describe = (value, lang, { question }) => {
  const offered = text(value);
  const asked = /([2-6])g(?![a-z])/.exec(foldText(question));
  const askedGeneration = asked ? `${asked[1]}G` : undefined;
  if (askedGeneration && askedGeneration.toLowerCase() !== offered.toLowerCase()) {
    return lang === 'zh' ? `不支持${askedGeneration},支持${offered}网络` : `does not support ${askedGeneration}; it supports ${offered}`;
  }
  return lang === 'zh' ? `支持${offered}网络` : `supports ${offered}`;
};

const describeColours: Describe = (value, lang) => {
  const colours = Array.isArray(value) ? value.map(String) : [String(value)];
  return lang === 'zh' ? `有${listOf(colours.map((c) => COLOUR_NAMES[c] ?? c), 'zh')}可选` : `comes in ${listOf(colours, 'en')}`;
};

const describeFits: Describe = (value, lang, { catalog }) => {
  const skus = Array.isArray(value) ? value.map(String) : [String(value)];
  const names = skus.map((sku) => catalog.find((p) => p.sku === sku)?.name[lang] ?? sku);
  return lang === 'zh' ? `适用于${listOf(names, 'zh')}` : `fits the ${listOf(names, 'en')}`;
};

const describeWaterproof: Describe = (value, lang) => {
  const rating = text(value);
  if (rating === 'none') return lang === 'zh' ? '不防水' : 'is not waterproof';
  return lang === 'zh' ? `防水等级${rating}` : `is rated ${rating} for water resistance`;
};

const describeYield: Describe = (value, lang) => {
  const yieldText = text(value);
  if (!/\d/.test(yieldText)) return lang === 'zh' ? '收益不保证' : 'has no guaranteed return';
  return lang === 'zh' ? `业绩比较基准为年化${yieldText},不代表实际收益` : `has a benchmark annual yield of ${yieldText}, which is not a promise of actual returns`;
};

const describeSuitability: Describe = (value, lang) => {
  const who = text(value);
  const rating = /^(C\d) and above/i.exec(who)?.[1];
  if (lang === 'zh') return rating ? `仅适合${rating}及以上风险评级的客户` : `适合人群:${who}`;
  return `is suitable for ${who}`;
};

const ATTRIBUTE_FACETS: Facet[] = [
  { key: 'network', cue: /[2-6]g(?![a-z])|网络|全网通|信号|network|\blte\b/, describe: describeNetwork },
  { key: 'dual_sim', cue: /双卡|两张卡|双待|dual[\s-]?sim|two sims?/, describe: yesNo('支持双卡双待', '不支持双卡', 'supports dual SIM', 'does not support dual SIM') },
  { key: 'battery_mAh', cue: /电池|毫安|mah|续航|battery/, describe: bilingual((v) => `电池容量${v}mAh`, (v) => `has a ${v} mAh battery`) },
  { key: 'battery_h', cue: /电池|续航|用多久|battery|how long does it last/, describe: bilingual((v) => `续航${v}小时`, (v) => `has ${v} hours of battery life`) },
  { key: 'screen_in', cue: /屏幕|屏|尺寸|英寸|screen|display|inch/, describe: bilingual((v) => `屏幕${v}英寸`, (v) => `has a ${v}-inch screen`) },
  { key: 'waterproof', cue: /防水|进水|泡水|ip\d\d|waterproof|water[\s-]?(resistant|resistance|proof)|\brain\b/, describe: describeWaterproof },
  { key: 'colors', cue: /颜色|配色|什么色|几种色|几个色|colou?rs?\b|黑色|白色|蓝色|红色|粉色|绿色|黄色|银色|\b(black|white|blue|red|pink|green|yellow|silver)\b/, describe: describeColours },
  { key: 'fast_charge_w', cue: /快充|充电功率|充电速度|充电快|多少w|fast[\s-]?charg|quick[\s-]?charg|charging speed|watt/, describe: bilingual((v) => `支持${v}W快充`, (v) => `supports ${v} W fast charging`) },
  { key: 'sos_button', cue: /sos|紧急|求救|一键呼叫|emergency/, describe: yesNo('带SOS紧急呼叫键', '没有SOS紧急呼叫键', 'has an SOS button', 'has no SOS button') },
  { key: 'fits', cue: /适用|适配|兼容|能用在|能配|配不配|\bfits?\b|compatible|work with/, describe: describeFits },
  { key: 'power_w', cue: /功率|多少w|瓦|快充|watt|power|fast/, describe: bilingual((v) => `功率${v}W`, (v) => `delivers ${v} W`) },
  { key: 'port', cue: /接口|插口|type-?c|usb|\bport\b|connector|cable/, describe: bilingual((v) => `接口为${v}`, (v) => `has a ${v} port`) },
  { key: 'noise_cancelling', cue: /降噪|noise[\s-]?cancel|\banc\b/, describe: yesNo('支持主动降噪', '不支持主动降噪', 'has active noise cancelling', 'has no noise cancelling') },
  { key: 'bluetooth', cue: /蓝牙|bluetooth/, describe: bilingual((v) => `蓝牙版本${v}`, (v) => `uses Bluetooth ${v}`) },
  { key: 'age', cue: /几岁|年龄|多大的孩子|年级|\bage\b|how old|years? old/, describe: bilingual((v) => `适合${v}岁`, (v) => `is for ages ${v}`) },
  { key: 'capacity_l', cue: /容量|能装|多大|升|capacity|litre|liter|how big/, describe: bilingual((v) => `容量${v}升`, (v) => `holds ${v} litres`) },
  { key: 'weight_g', cue: /重量|多重|重不重|轻|weight|heavy|weigh/, describe: bilingual((v) => `重${v}克`, (v) => `weighs ${v} g`) },
  { key: 'reflective_strip', cue: /反光|reflect/, describe: yesNo('带反光条', '没有反光条', 'has a reflective strip', 'has no reflective strip') },
  { key: 'pieces', cue: /几件|多少件|包含|有哪些东西|pieces|how many items|what.s included|what is included/, describe: bilingual((v) => `共${v}件`, (v) => `has ${v} pieces`) },
  { key: 'volume_ml', cue: /容量|毫升|\bml\b|多大|能装|volume|capacity|how big|how much water/, describe: bilingual((v) => `容量${v}毫升`, (v) => `holds ${v} ml`) },
  { key: 'bpa_free', cue: /bpa|双酚|无毒|材质|安全吗|toxic|material|safe/, describe: yesNo('不含BPA', '含BPA', 'is BPA-free', 'is not BPA-free') },
  { key: 'cadr_m3h', cue: /cadr|净化能力|洁净空气量|净化效率|clean air|purification rate/, describe: bilingual((v) => `CADR(洁净空气量)${v}m³/h`, (v) => `has a CADR of ${v} m³/h`) },
  { key: 'room_m2', cue: /面积|平米|平方|房间|\broom\b|square|\bm2\b|\barea\b/, describe: bilingual((v) => `适用面积${v}平方米`, (v) => `suits rooms of ${v} m²`) },
  { key: 'filter', cue: /hepa|什么滤网|滤网类型|filter type|what filter/, describe: bilingual((v) => `使用${v}滤网`, (v) => `uses a ${v} filter`) },
  { key: 'noise_db', cue: /噪音|分贝|吵|安静|声音大|noise|noisy|loud|quiet|decibel|\bdb\b/, describe: bilingual((v) => `噪音${v}分贝`, (v) => `runs at ${v} dB`) },
  { key: 'wifi', cue: /wi-?fi|联网|app|手机控制|远程|remote|smart/, describe: yesNo('支持Wi-Fi联网', '不支持Wi-Fi联网', 'connects over Wi-Fi', 'has no Wi-Fi') },
  { key: 'life_months', cue: /寿命|用多久|能用多长|lifespan|how long does it last|last for/, describe: bilingual((v) => `使用寿命${v}个月`, (v) => `lasts ${v} months`) },
  { key: 'risk_level', cue: /风险|risk/, describe: bilingual((v) => `风险等级为${v}`, (v) => `is rated ${v} risk`) },
  { key: 'term_days', cue: /期限|封闭期|多少天|几天|投资期|多久|\bterm\b|how long|duration|lock/, describe: bilingual((v) => `期限${v}天`, (v) => `has a ${v}-day term`) },
  { key: 'expected_annual_yield', cue: /收益|利率|年化|回报|利息|赚|yield|returns?\b|interest|earn|\bapy\b|profit/, describe: describeYield },
  { key: 'min_purchase', cue: /起购|起投|最低|最少|多少钱起|门槛|多少钱|minimum|at least|start from|how much/, describe: bilingual((v) => `起购金额${v}元`, (v) => `has a minimum purchase of CNY ${v}`) },
  { key: 'principal_guaranteed', cue: /保本|本金|principal|lose money|capital/, describe: yesNo('保本', '不保本', 'is principal-guaranteed', 'is not principal-guaranteed') },
  { key: 'suitable_for', cue: /适合|谁能买|谁可以买|能买吗|什么人|suitable|who can buy|eligible|who is it for/, describe: describeSuitability },
];

const PRICE_CUE = /多少钱|价格|价钱|售价|几块|贵|便宜|多钱|price|cost|how much|expensive|cheap/;
const STOCK_CUE = /有货|库存|现货|缺货|到货|补货|没货|断货|卖完|什么时候有|还有吗|in stock|stock|available|availability|sold out|restock|back in/;

/** Questions about a policy ("电池保修多久", "can I return it", "I dropped it") go to the knowledge base even when a product is named. */
const POLICY_QUESTION =
  /保修|质保|维修|修理|摔|碎|进水|泡水|坏了|故障|退货|退款|换货|退换|无理由|能退|可以退|退吗|发票|优惠券|配送|发货|快递|物流|分期|warrant|covered|repair|damage|broke|crack|dropp|faulty|refund|return|send (it )?back|exchange|invoice|coupon|deliver|shipping|\bship\b|instalment|installment/;

function hasValue(product: Product, key: string): boolean {
  return product.attributes[key] !== undefined && product.attributes[key] !== null;
}

export function isFinanceProduct(product: Product): boolean {
  return product.category === 'finance';
}

/** "2999元" in Chinese when in yuan, else "CNY 2999". */
export function formatPrice(product: Product, lang: Lang): string {
  return lang === 'zh' && product.currency === 'CNY' ? `${product.price}元` : `${product.currency} ${product.price}`;
}

function priceClause(product: Product, lang: Lang): string {
  return lang === 'zh' ? `售价${formatPrice(product, lang)}` : `costs ${formatPrice(product, lang)}`;
}

function stockClause(product: Product, lang: Lang): string | undefined {
  if (product.stock === null) return undefined;
  if (product.stock > 0) return lang === 'zh' ? '目前有现货' : 'is in stock';
  const restock = product.attributes.restock_date;
  if (typeof restock === 'string') return lang === 'zh' ? `目前缺货,预计${restock}到货` : `is out of stock and expected back in stock on ${restock}`;
  return lang === 'zh' ? '目前缺货,暂无到货日期' : 'is out of stock, with no restock date yet';
}

export interface AskedFacets {
  /** Facet keys the question asks for and the product has, in catalog order. */
  answerable: string[];
  /** True when the question asks about the product at all beyond naming it. */
  asked: boolean;
  /** True for a question about a policy (warranty, returns…), which no product fact answers. */
  policy: boolean;
}

/** Which of a product's facts a question asks for; none for questions about a policy. */
export function askedFacets(question: string, product: Product): AskedFacets {
  const folded = foldText(question);
  if (POLICY_QUESTION.test(folded)) return { answerable: [], asked: false, policy: true };
  const answerable: string[] = [];
  let asked = false;
  const finance = isFinanceProduct(product);
  if (PRICE_CUE.test(folded)) {
    asked = true;
    // A wealth product's "price" is its minimum purchase, which its own facet states.
    if (!finance) answerable.push('price');
  }
  if (STOCK_CUE.test(folded) && !finance) {
    asked = true;
    answerable.push('stock');
  }
  for (const facet of ATTRIBUTE_FACETS) {
    if (!facet.cue.test(folded)) continue;
    asked = true;
    if (hasValue(product, facet.key)) answerable.push(facet.key);
  }
  return { answerable, asked, policy: false };
}

/** The cue words of the facets asked, for telling whether an article speaks to the same point. */
export function facetCue(key: string): RegExp | undefined {
  if (key === 'price') return PRICE_CUE;
  if (key === 'stock') return STOCK_CUE;
  return ATTRIBUTE_FACETS.find((facet) => facet.key === key)?.cue;
}

function clauseFor(product: Product, key: string, lang: Lang, ctx: DescribeContext): string | undefined {
  if (key === 'price') return priceClause(product, lang);
  if (key === 'stock') return stockClause(product, lang);
  const facet = ATTRIBUTE_FACETS.find((f) => f.key === key);
  const value = product.attributes[key];
  if (value === undefined || value === null) return undefined;
  return facet ? facet.describe(value, lang, ctx) : lang === 'zh' ? `${key}:${text(value)}` : `${key.replace(/_/g, ' ')}: ${text(value)}`;
}

function sentence(product: Product, clauses: string[], lang: Lang): string {
  if (lang === 'zh') return `${product.name.zh}${clauses.join(',')}。`;
  return `The ${product.name.en} ${listOf(clauses, 'en')}.`;
}

/** One sentence with the asked facts, e.g. "星河 X5 手机 128GB支持5G网络。" */
export function describeFacets(product: Product, keys: string[], lang: Lang, ctx: DescribeContext): string {
  const clauses = keys.map((key) => clauseFor(product, key, lang, ctx)).filter((c) => c !== undefined);
  return sentence(product, clauses, lang);
}

/** Everything the catalog holds about a product, price and stock first. */
export function describeProduct(product: Product, lang: Lang, ctx: DescribeContext): string {
  const keys = [isFinanceProduct(product) ? undefined : 'price', 'stock', ...Object.keys(product.attributes).filter((k) => k !== 'restock_date')].filter(
    (k) => k !== undefined,
  );
  return describeFacets(product, keys, lang, ctx);
}

/** "the catalog doesn't say": asked about something the product's listing lacks. */
export function notListed(product: Product, lang: Lang): string {
  return lang === 'zh'
    ? `商品资料里没有写明${product.name.zh}的这项信息。需要我为您转接人工客服吗?`
    : `The product listing for the ${product.name.en} doesn't say. Would you like me to connect you with a human agent?`;
}
