import type { Product } from '../catalog';
import { sentencesOf, sourceNote } from '../kb/embedded-answerer';
import type { KnowledgeArticle } from '../kb/retrieval';
import type { Lang } from '../language';
import { isFinanceProduct } from './product-facts';

export const RISK_DISCLOSURE: Record<Lang, string> = {
  zh: '理财非存款,产品有风险,投资须谨慎。',
  en: 'Wealth products are not deposits, they carry risk, and you should invest with care.',
};

export const LOAN_HANDOFF: Record<Lang, string> = {
  zh: '贷款的申请、额度和利率须由人工信贷顾问办理,我将为您转接人工信贷顾问。',
  en: 'Loan applications, amounts and rates are handled by our human credit advisers; a human credit adviser will help you from here.',
};

export const OUT_OF_SCOPE_DECLINE: Record<Lang, string> = {
  zh: '抱歉,这个问题超出了我能帮忙的范围。我可以为您解答订单、配送、退换货、商品和会员等方面的问题。',
  en: "Sorry, that's outside what I can help with here. I can help with orders, delivery, returns, our products and membership.",
};

const NO_RETURN_PROMISE: Record<Lang, string> = {
  zh: '理财产品的收益不作任何承诺,以产品说明书为准。',
  en: 'We cannot promise any return on a wealth product; the product documents are what count.',
};

/**
 * Promises no one may make about a wealth product or a loan. Chinese ones count unless a negation
 * stands right before them ("不保本", "不得承诺收益"); English ones unless a negation is among
 * the few words before ("not principal-guaranteed", "never promise returns").
 */
const CHINESE_PROMISE = /保本保息|保本|保证(?:收益|回报|本金|盈利|年化|赚)|承诺(?:收益|回报)|稳赚|包赚|零风险|无风险|刚性兑付|只赚不赔|包过|保证(?:批|放款|下款)|一定(?:能批|批)/g;
const CHINESE_NEGATION = /(不|非|无|未|没|没有|勿|并非|并不|不得|不能|不会|不可|不是|无法)$/;
const ENGLISH_PROMISE =
  /\b(guarantee[sd]?|promise[sd]?)\s+(?:(?:a|an|you|your|of)\s+)*(?:\d+(?:\.\d+)?%\s+)?(?:returns?|profits?|yields?|income|interest|approval)\b|\b(?:principal|capital)[\s-](?:guaranteed|protected)\b|\brisk[\s-]free\b|\bno risk\b|\bcan(?:no|')t lose\b|\b(?:returns?|profits?|yields?) (?:is|are) guaranteed\b|\bguaranteed (?:to be )?approv/gi;
const ENGLISH_NEGATION = /\b(not|never|no|cannot|can't|without|nor|isn't|aren't|won't|don't|doesn't)\b(\s+\S+){0,3}\s*$/i;

function makesPromise(sentence: string): boolean {
  for (const match of sentence.matchAll(CHINESE_PROMISE)) {
    if (!CHINESE_NEGATION.test(sentence.slice(Math.max(0, match.index - 3), match.index))) return true;
  }
  for (const match of sentence.matchAll(ENGLISH_PROMISE)) {
    if (!ENGLISH_NEGATION.test(sentence.slice(0, match.index))) return true;
  }
  return false;
}

/** Drops every sentence that promises a return or an approval; says so when nothing is left. */
export function withoutPromises(text: string, lang: Lang): { text: string; removed: boolean } {
  const sentences = sentencesOf(text);
  const kept = sentences.filter((sentence) => !makesPromise(sentence));
  if (kept.length === sentences.length) return { text, removed: false };
  const joined = kept.join(lang === 'zh' ? '' : ' ');
  return { text: joined.length > 0 ? joined : NO_RETURN_PROMISE[lang], removed: true };
}

function normalised(text: string): string {
  return text.replace(/[\s\p{P}]/gu, '').toLowerCase();
}

/** Wealth articles carry the "finance" tag; the loan article does too, but a loan is no investment. */
function isWealthArticle(article: KnowledgeArticle): boolean {
  return article.tags.includes('finance') && !article.tags.includes('loan');
}

function isLoanArticle(article: KnowledgeArticle): boolean {
  return article.tags.includes('loan');
}

export interface DraftAnswer {
  /** What the answer says, without its source note. */
  body: string;
  /** Titles of what the body was taken from, named in a source note after any disclosure. */
  sources: string[];
  citations: string[];
  grounded: boolean;
}

export interface ComplianceContext {
  lang: Lang;
  intent: string;
  product?: Product;
  citedArticles: KnowledgeArticle[];
}

export interface CompliantAnswer extends DraftAnswer {
  disclosures: string[];
}

export function isFinanceAnswer(ctx: ComplianceContext): boolean {
  return ctx.intent === 'financial_product' || (ctx.product !== undefined && isFinanceProduct(ctx.product)) || ctx.citedArticles.some(isWealthArticle);
}

/**
 * A loan question gets only what the reviewed loan article says (which documents to bring) and
 * the hand-off to a human credit adviser; the dialogue side hands the conversation off.
 */
function loanAnswer(draft: DraftAnswer, ctx: ComplianceContext): CompliantAnswer {
  const handoff = LOAN_HANDOFF[ctx.lang];
  const fromLoanArticle = draft.grounded && ctx.citedArticles.length > 0 && ctx.citedArticles.every(isLoanArticle);
  if (!fromLoanArticle) return { body: handoff, sources: [], citations: [], grounded: false, disclosures: [handoff] };
  const body = withoutPromises(draft.body, ctx.lang).text;
  return { ...draft, body: `${body}${ctx.lang === 'zh' ? '' : ' '}${handoff}`, disclosures: [handoff] };
}

/**
 * The compliance rules every answer passes through, whoever wrote it: finance answers never
 * promise returns and always carry the risk disclosure; loans go to a human credit adviser;
 * out-of-scope questions without a grounded answer get a polite decline.
 */
export function applyGuardrails(draft: DraftAnswer, ctx: ComplianceContext): CompliantAnswer {
  if (ctx.intent === 'loan') return loanAnswer(draft, ctx);
  if (ctx.intent === 'out_of_scope' && !draft.grounded) {
    return { body: OUT_OF_SCOPE_DECLINE[ctx.lang], sources: [], citations: [], grounded: false, disclosures: [] };
  }
  if (!isFinanceAnswer(ctx)) return { ...draft, disclosures: [] };
  const disclosure = RISK_DISCLOSURE[ctx.lang];
  const { text } = withoutPromises(draft.body, ctx.lang);
  const alreadyDisclosed = normalised(text).includes(normalised(disclosure));
  const body = alreadyDisclosed ? text : `${text}${ctx.lang === 'zh' ? '' : ' '}${disclosure}`;
  return { ...draft, body, disclosures: [disclosure] };
}

/** The customer-facing text of an answer: what it says, then where that comes from. */
export function renderAnswer(answer: DraftAnswer, lang: Lang): string {
  return answer.sources.length > 0 ? `${answer.body}${sourceNote(answer.sources, lang)}` : answer.body;
}
