/** One line of a knowledge-base QA eval file. */
export interface KbExample {
  question: string;
  lang?: 'zh' | 'en';
  /** Any of these as the answer's first citation counts as a hit. */
  articles: string[];
  /** Each must appear in the answer (case-insensitive). */
  mustMention: string[];
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Checks one parsed eval line; says what is wrong with it rather than failing later on a missing field. */
export function parseKbExample(value: unknown): KbExample {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object');
  const { question, lang, articles, must_mention: mustMention = [] } = value as Record<string, unknown>;
  if (typeof question !== 'string' || question.trim() === '') throw new Error('"question" must be a non-empty string');
  if (lang !== undefined && lang !== 'zh' && lang !== 'en') throw new Error('"lang" must be "zh" or "en"');
  if (!isStringArray(articles) || articles.length === 0) throw new Error('"articles" must be a non-empty array of article ids');
  if (!isStringArray(mustMention)) throw new Error('"must_mention" must be an array of strings');
  return { question, ...(lang ? { lang } : {}), articles, mustMention };
}

export interface KbAnswer {
  text: string;
  citations: string[];
}

export interface KbMiss {
  question: string;
  expected: string[];
  cited: string;
  /** must_mention strings the answer lacks. */
  missing: string[];
  hit: boolean;
}

export interface KbReport {
  hitAt1: number;
  mustMention: number;
  n: number;
  misses: KbMiss[];
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** hit@1: the answer's first citation is one of the row's articles; mustMention: the answer contains every must_mention string. */
export function scoreKbAnswers(rows: Array<{ example: KbExample; answer: KbAnswer }>): KbReport {
  const misses: KbMiss[] = [];
  let hits = 0;
  let mentioned = 0;
  for (const { example, answer } of rows) {
    const cited = answer.citations[0] ?? '';
    const hit = example.articles.includes(cited);
    const text = answer.text.toLowerCase();
    const missing = example.mustMention.filter((phrase) => !text.includes(phrase.toLowerCase()));
    if (hit) hits++;
    if (missing.length === 0) mentioned++;
    if (!hit || missing.length > 0) misses.push({ question: example.question, expected: example.articles, cited, missing, hit });
  }
  const n = rows.length;
  return { hitAt1: n === 0 ? 0 : round(hits / n), mustMention: n === 0 ? 0 : round(mentioned / n), n, misses };
}
