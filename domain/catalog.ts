import { escapeRegExp, foldText, HAN } from './nlu/text';

export interface Product {
  sku: string;
  name: { zh: string; en: string };
  brand: string;
  category: string;
  price: number;
  currency: string;
  /** null for products with no stock, such as wealth products. */
  stock: number | null;
  attributes: Record<string, unknown>;
  related: string[];
}

export interface ProductMention {
  sku: string;
  /** Offsets into the text as given. */
  start: number;
  end: number;
  text: string;
  /** True when the customer named the product itself (name, model, unique line); false for a bare "phone". */
  specific: boolean;
  score: number;
}

/**
 * How a customer may refer to a kind of product. Which products a concept covers is read from the
 * catalog (a product belongs when its name contains one of the surfaces), so a new product needs
 * no change here; only a new kind of product does.
 */
interface ProductConcept {
  surfaces: string[];
  /** Uses of a surface that name something else ("手机号" is a phone number, not a phone). */
  notBefore?: RegExp;
  notAfter?: RegExp;
  /** English surfaces also match their plural unless that means something else ("funds" is money). */
  singularOnly?: boolean;
}

const PRODUCT_CONCEPTS: ProductConcept[] = [
  {
    surfaces: ['手机', '智能机', 'phone', 'smartphone', 'cellphone', 'mobile phone'],
    // "手机 13812345678", "phone is 13812345678": a number right after makes it a phone number.
    notAfter: /^\s*(号|换号|银行|app|客户端|验证码|短信|支付|number|no\b|call|banking|support|line|bill|((是|为|to|is|:)\s*)?\+?\d{7})/,
    notBefore: /\b(on the|by|over the|via|per|through the|login|contact|home|work|office)\s*$/,
  },
  { surfaces: ['老人机', '老年机', '老人手机', '老年手机', 'senior phone', 'elderly phone', 'phone for seniors'] },
  {
    surfaces: ['保护壳', '手机壳', '保护套', '手机套', '硅胶壳', 'case', 'phone case', 'protective case'],
    notBefore: /\b(in|this|that|your|support|complaint)\s*$/,
    notAfter: /^\s*(number|id|no\b|ref|status|closed|file|manager|#)/,
  },
  { surfaces: ['充电器', '充电头', '快充头', '适配器', 'charger', 'charging brick', 'power adapter'] },
  { surfaces: ['耳机', '耳麦', 'buds', 'earbuds', 'earphones', 'headphones', 'headset'] },
  { surfaces: ['书包', '背包', '双肩包', 'school bag', 'schoolbag', 'backpack', 'bag'] },
  { surfaces: ['文具', 'stationery'] },
  { surfaces: ['水杯', '杯子', '水壶', 'water bottle', 'bottle'] },
  { surfaces: ['空气净化器', '净化器', 'air purifier', 'purifier'] },
  { surfaces: ['滤芯', '滤网', 'filter', 'replacement filter'] },
  { surfaces: ['理财', '理财产品', 'wealth product', 'wealth management product', 'investment product'] },
  { surfaces: ['基金', 'fund', 'mixed fund'], singularOnly: true },
];

type AliasKind = 'name' | 'model' | 'variant' | 'line' | 'concept';

const KIND_WEIGHT: Record<AliasKind, number> = { name: 8, model: 4, variant: 2, line: 2, concept: 1 };

interface Alias {
  kind: AliasKind;
  /** Folded text the alias was built from. */
  surface: string;
  pattern: RegExp;
  skus: string[];
  notBefore?: RegExp;
  notAfter?: RegExp;
}

interface Hit {
  alias: Alias;
  start: number;
  end: number;
}

const MODEL_TOKEN = /^([a-z]{1,3}\d{1,3}[a-z]?|\d{2,3}w)$/i;
const VARIANT_TOKEN = /^(\d+)\s*gb$/i;
const LATIN_OR_DIGIT = /[a-z0-9]/i;
/** What may stand between two parts of one product mention: "星河 X5", "X5 的保护壳", "R4 那个理财". */
const MENTION_GLUE = /^[\s\-_·]*(的|那个|这个|那款|这款|款|the|that|this)?[\s\-_·]*$/i;

function nameTokens(name: string): string[] {
  return name.split(/\s+/).filter((token) => token.length > 0);
}

/** A pattern for a surface that tolerates spaces and hyphens between its parts and keeps Latin words whole. */
function surfacePattern(surface: string, allowPlural: boolean): RegExp {
  const folded = foldText(surface);
  const parts = folded.split(/\s+/).map(escapeRegExp);
  const startGuard = LATIN_OR_DIGIT.test(folded[0] ?? '') ? '(?<![a-z0-9])' : '';
  const plural = allowPlural && /[a-z]$/.test(folded) ? '(?:e?s)?' : '';
  const endGuard = LATIN_OR_DIGIT.test(folded.at(-1) ?? '') ? '(?![a-z0-9])' : '';
  return new RegExp(`${startGuard}${parts.join('[\\s\\-_]*')}${plural}${endGuard}`, 'g');
}

function variantPattern(gigabytes: string): RegExp {
  return new RegExp(`(?<![a-z0-9])${gigabytes}\\s*g(?:b)?(?![a-z0-9])`, 'g');
}

function longestCommonPrefix(words: string[]): string {
  const [first, ...rest] = words;
  if (first === undefined) return '';
  let length = first.length;
  for (const word of rest) {
    let i = 0;
    while (i < length && i < word.length && word[i] === first[i]) i++;
    length = i;
  }
  return first.slice(0, length);
}

/** Product-line names: the word before a model code ("星河 X5", "SteadyGain R2"), the brand, and a brand's shared Chinese prefix ("小书虫…"). */
function lineNames(product: Product, catalog: Product[]): string[] {
  const names = new Set<string>([product.brand]);
  for (const name of [product.name.zh, product.name.en]) {
    const tokens = nameTokens(name);
    tokens.forEach((token, i) => {
      const previous = tokens[i - 1];
      if (MODEL_TOKEN.test(token) && previous !== undefined && !MODEL_TOKEN.test(previous)) names.add(previous);
    });
  }
  const sameBrandHanNames = catalog.filter((p) => p.brand === product.brand && HAN.test(p.name.zh[0] ?? '')).map((p) => p.name.zh);
  const sharedPrefix = sameBrandHanNames.length >= 2 ? longestCommonPrefix(sameBrandHanNames).trim() : '';
  if (sharedPrefix.length >= 2 && product.name.zh.startsWith(sharedPrefix)) names.add(sharedPrefix);
  return [...names];
}

function conceptCovers(concept: ProductConcept, product: Product): boolean {
  const names = foldText(`${product.name.zh} ${product.name.en}`);
  return concept.surfaces.some((surface) => names.includes(foldText(surface)));
}

type AliasShape = Omit<Alias, 'skus' | 'surface' | 'kind'>;

function addAlias(aliases: Map<string, Alias>, kind: AliasKind, surface: string, sku: string, build: () => AliasShape): void {
  const folded = foldText(surface);
  const key = `${kind}:${folded}`;
  const existing = aliases.get(key);
  if (existing) {
    if (!existing.skus.includes(sku)) existing.skus.push(sku);
    return;
  }
  aliases.set(key, { ...build(), kind, surface: folded, skus: [sku] });
}

function buildAliases(catalog: Product[]): Alias[] {
  const aliases = new Map<string, Alias>();
  for (const product of catalog) {
    const { sku } = product;
    for (const name of [product.name.zh, product.name.en]) {
      addAlias(aliases, 'name', name, sku, () => ({ pattern: surfacePattern(name, false) }));
      for (const token of nameTokens(name)) {
        if (MODEL_TOKEN.test(token)) addAlias(aliases, 'model', token, sku, () => ({ pattern: surfacePattern(token, false) }));
        const gigabytes = VARIANT_TOKEN.exec(token)?.[1];
        if (gigabytes) addAlias(aliases, 'variant', token, sku, () => ({ pattern: variantPattern(gigabytes) }));
      }
    }
    for (const line of lineNames(product, catalog)) {
      addAlias(aliases, 'line', line, sku, () => ({ pattern: surfacePattern(line, false) }));
    }
  }
  for (const alias of aliases.values()) {
    if (alias.kind !== 'line') continue;
    for (const product of catalog) {
      if (foldText(`${product.name.zh} ${product.name.en}`).includes(alias.surface) && !alias.skus.includes(product.sku)) alias.skus.push(product.sku);
    }
  }
  for (const concept of PRODUCT_CONCEPTS) {
    const covered = catalog.filter((product) => conceptCovers(concept, product));
    for (const surface of concept.surfaces) {
      for (const product of covered) {
        addAlias(aliases, 'concept', surface, product.sku, () => ({
          pattern: surfacePattern(surface, !concept.singularOnly),
          ...(concept.notBefore ? { notBefore: concept.notBefore } : {}),
          ...(concept.notAfter ? { notAfter: concept.notAfter } : {}),
        }));
      }
    }
  }
  return [...aliases.values()];
}

function isExcluded(hit: Hit, folded: string): boolean {
  const { notBefore, notAfter } = hit.alias;
  return (notBefore?.test(folded.slice(0, hit.start)) ?? false) || (notAfter?.test(folded.slice(hit.end)) ?? false);
}

/** Every alias occurrence, then the longest ones win where they overlap ("手机壳" over "手机"). */
function findHits(folded: string, aliases: Alias[]): Hit[] {
  const all: Hit[] = [];
  for (const alias of aliases) {
    for (const match of folded.matchAll(alias.pattern)) {
      const hit = { alias, start: match.index, end: match.index + match[0].length };
      if (!isExcluded(hit, folded)) all.push(hit);
    }
  }
  all.sort((a, b) => b.end - b.start - (a.end - a.start) || KIND_WEIGHT[b.alias.kind] - KIND_WEIGHT[a.alias.kind]);
  const kept: Hit[] = [];
  for (const hit of all) {
    const overlapsKept = kept.some((k) => hit.start < k.end && k.start < hit.end && !(hit.start === k.start && hit.end === k.end));
    if (!overlapsKept) kept.push(hit);
  }
  return kept.sort((a, b) => a.start - b.start);
}

function sharesSku(group: Hit[], hit: Hit): boolean {
  return group.some((member) => member.alias.skus.some((sku) => hit.alias.skus.includes(sku)));
}

/** Adjacent hits that can describe one product ("Breeze P3 purifier") form one mention. */
function groupHits(hits: Hit[], folded: string): Hit[][] {
  const groups: Hit[][] = [];
  for (const hit of hits) {
    const current = groups.at(-1);
    const last = current?.at(-1);
    const joins = current && last && (hit.start <= last.end || MENTION_GLUE.test(folded.slice(last.end, hit.start))) && sharesSku(current, hit);
    if (joins) current.push(hit);
    else groups.push([hit]);
  }
  return groups;
}

/** Named rather than described: anything beyond a kind-of-product word ("星河 X5", "SteadyGain", not "手机"). */
function isSpecific(group: Hit[]): boolean {
  return group.some((hit) => hit.alias.kind !== 'concept');
}

/** A line name alone names a product only when it is unique and written as a name (Han, or capitalised). */
function isUniqueLineMention(group: Hit[], original: string): boolean {
  if (group.length !== 1) return false;
  const [hit] = group;
  if (!hit || hit.alias.kind !== 'line' || hit.alias.skus.length !== 1) return false;
  const written = original.slice(hit.start, hit.end);
  return HAN.test(written) || /^[A-Z]/.test(written);
}

interface ResolvedGroup {
  mention: ProductMention;
  candidates: Set<string>;
}

/** The best-scoring product of a mention; on a tie the catalog's first, its default model or variant. */
function resolveGroup(group: Hit[], original: string, catalogOrder: Map<string, number>): ResolvedGroup | undefined {
  const scores = new Map<string, number>();
  for (const hit of group) {
    for (const sku of hit.alias.skus) scores.set(sku, (scores.get(sku) ?? 0) + KIND_WEIGHT[hit.alias.kind]);
  }
  const ranked = [...scores].sort((a, b) => b[1] - a[1] || (catalogOrder.get(a[0]) ?? 0) - (catalogOrder.get(b[0]) ?? 0));
  const best = ranked[0];
  if (!best) return undefined;
  const onlyLines = group.every((hit) => hit.alias.kind === 'line');
  if (onlyLines && !isUniqueLineMention(group, original)) return undefined;
  const start = group[0]?.start ?? 0;
  const end = group.at(-1)?.end ?? start;
  return {
    mention: { sku: best[0], start, end, text: original.slice(start, end), specific: isSpecific(group), score: best[1] },
    candidates: new Set(scores.keys()),
  };
}

export interface ProductMatcher {
  findMentions(text: string): ProductMention[];
}

/** Compiles the catalog's aliases once; reuse the matcher for many texts. */
export function createProductMatcher(catalog: Product[]): ProductMatcher {
  const aliases = buildAliases(catalog);
  const catalogOrder = new Map(catalog.map((product, i) => [product.sku, i]));
  return {
    findMentions(text: string): ProductMention[] {
      const folded = foldText(text);
      const resolved = groupHits(findHits(folded, aliases), folded)
        .map((group) => resolveGroup(group, text, catalogOrder))
        .filter((group) => group !== undefined);
      const specificSkus = new Set(resolved.filter((r) => r.mention.specific).map((r) => r.mention.sku));
      const seen = new Set<string>();
      const mentions: ProductMention[] = [];
      for (const { mention, candidates } of resolved) {
        // "R4 那个理财": the generic word points back at the product already named.
        const echoesNamedProduct = !mention.specific && [...candidates].some((sku) => specificSkus.has(sku));
        if (echoesNamedProduct || seen.has(mention.sku)) continue;
        seen.add(mention.sku);
        mentions.push(mention);
      }
      return mentions;
    },
  };
}

const matchers = new WeakMap<Product[], ProductMatcher>();

/** Products a text mentions, by full name, brand and model, variant, or a kind of product ("儿童书包", "the charger"). */
export function findProductMentions(text: string, catalog: Product[]): ProductMention[] {
  let matcher = matchers.get(catalog);
  if (!matcher) {
    matcher = createProductMatcher(catalog);
    matchers.set(catalog, matcher);
  }
  return matcher.findMentions(text);
}
