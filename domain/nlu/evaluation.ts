import { resolveDate } from './dates';
import { INTENTS, type Entities, type Intent, type NluResult, type Sentiment } from './types';

const SENTIMENTS: readonly Sentiment[] = ['negative', 'neutral', 'positive'];

/** One line of an NLU eval file. Gold entity values are written as people write them ("yesterday", "50000"). */
export interface NluExample {
  text: string;
  intent: Intent;
  sentiment: Sentiment;
  entities: Record<string, string | number>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks one parsed eval line; says what is wrong with it rather than failing later on a missing field. */
export function parseNluExample(value: unknown): NluExample {
  if (!isRecord(value)) throw new Error('expected a JSON object');
  const { text, intent, sentiment, entities = {} } = value;
  if (typeof text !== 'string') throw new Error('"text" must be a string');
  if (!INTENTS.includes(intent as Intent)) throw new Error(`"intent" must be one of ${INTENTS.join(', ')}`);
  if (!SENTIMENTS.includes(sentiment as Sentiment)) throw new Error(`"sentiment" must be one of ${SENTIMENTS.join(', ')}`);
  if (!isRecord(entities) || !Object.values(entities).every((v) => typeof v === 'string' || typeof v === 'number')) {
    throw new Error('"entities" must map entity types to strings or numbers');
  }
  return { text, intent: intent as Intent, sentiment: sentiment as Sentiment, entities: entities as Record<string, string | number> };
}

export interface IntentScore {
  intent: Intent;
  precision: number;
  recall: number;
  support: number;
}

export interface NluMistake {
  text: string;
  kind: 'intent' | 'sentiment' | 'entities';
  expected: string;
  predicted: string;
}

export interface NluReport {
  intentAccuracy: number;
  entityF1: number;
  sentimentAccuracy: number;
  n: number;
  perIntent: IntentScore[];
  mistakes: NluMistake[];
}

/** Both sides of a comparison in one form: dates resolved against the eval's `now`, ids without spaces or case. */
export function normaliseEntityValue(type: string, value: string | number, now: Date): string {
  const text = String(value).trim();
  switch (type) {
    case 'money':
      return String(Number(text.replace(/[,¥\s]/g, '')));
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : (resolveDate(text, now) ?? text.toLowerCase());
    case 'phone':
      return text.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '');
    case 'bank_card':
      return text.replace(/\D/g, '');
    default:
      return text.replace(/\s+/g, '').toUpperCase();
  }
}

function entityPairs(entities: Entities | Record<string, string | number>, now: Date): Set<string> {
  return new Set(Object.entries(entities).map(([type, value]) => `${type}=${normaliseEntityValue(type, value as string | number, now)}`));
}

function ratio(numerator: number, denominator: number, whenEmpty: number): number {
  return denominator === 0 ? whenEmpty : numerator / denominator;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** Intent accuracy and per-intent precision/recall, micro F1 over (type, value) entity pairs, sentiment accuracy. */
export function evaluateNlu(examples: NluExample[], analyze: (text: string) => NluResult, now: Date): NluReport {
  let intentHits = 0;
  let sentimentHits = 0;
  let truePositives = 0;
  let predictedPairs = 0;
  let goldPairs = 0;
  const predictedPerIntent = new Map<Intent, number>();
  const correctPerIntent = new Map<Intent, number>();
  const supportPerIntent = new Map<Intent, number>();
  const mistakes: NluReport['mistakes'] = [];
  const bump = (counts: Map<Intent, number>, intent: Intent) => counts.set(intent, (counts.get(intent) ?? 0) + 1);

  for (const example of examples) {
    const result = analyze(example.text);
    bump(supportPerIntent, example.intent);
    bump(predictedPerIntent, result.intent);
    if (result.intent === example.intent) {
      intentHits++;
      bump(correctPerIntent, example.intent);
    } else {
      mistakes.push({ text: example.text, kind: 'intent', expected: example.intent, predicted: `${result.intent} (${result.intentConfidence.toFixed(2)})` });
    }
    if (result.sentiment === example.sentiment) sentimentHits++;
    else mistakes.push({ text: example.text, kind: 'sentiment', expected: example.sentiment, predicted: `${result.sentiment} (${result.sentimentScore})` });
    const gold = entityPairs(example.entities, now);
    const predicted = entityPairs(result.entities, now);
    const matched = [...predicted].filter((pair) => gold.has(pair)).length;
    goldPairs += gold.size;
    predictedPairs += predicted.size;
    truePositives += matched;
    if (matched !== gold.size || matched !== predicted.size) {
      mistakes.push({ text: example.text, kind: 'entities', expected: [...gold].join(' '), predicted: [...predicted].join(' ') });
    }
  }

  const precision = ratio(truePositives, predictedPairs, 1);
  const recall = ratio(truePositives, goldPairs, 1);
  const perIntent = INTENTS.filter((intent) => supportPerIntent.has(intent) || predictedPerIntent.has(intent)).map((intent) => ({
    intent,
    precision: round(ratio(correctPerIntent.get(intent) ?? 0, predictedPerIntent.get(intent) ?? 0, 0)),
    recall: round(ratio(correctPerIntent.get(intent) ?? 0, supportPerIntent.get(intent) ?? 0, 0)),
    support: supportPerIntent.get(intent) ?? 0,
  }));
  return {
    intentAccuracy: round(ratio(intentHits, examples.length, 0)),
    entityF1: round(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)),
    sentimentAccuracy: round(ratio(sentimentHits, examples.length, 0)),
    n: examples.length,
    perIntent,
    mistakes,
  };
}
