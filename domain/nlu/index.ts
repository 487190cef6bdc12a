import type { Product } from '../catalog';
import { detectLanguage } from '../language';
import { extractEntities, firstOfEachType } from './entities';
import { classifyIntent } from './intent';
import { analyzeSentiment } from './sentiment';
import type { NluResult } from './types';

export interface NluContext {
  /** Products to recognise by name, model or kind; without it no product entity is found. */
  catalog: Product[];
  /** What relative dates ("昨天", "next Monday") are resolved against; defaults to the current time. */
  now?: Date;
}

/** Language, intent with its confidence, entities and sentiment of one customer message. */
export function analyze(text: string, ctx?: NluContext): NluResult {
  const mentions = extractEntities(text, { catalog: ctx?.catalog ?? [], now: ctx?.now ?? new Date() });
  const { intent, confidence } = classifyIntent(text, mentions);
  const { sentiment, score } = analyzeSentiment(text);
  return {
    lang: detectLanguage(text),
    intent,
    intentConfidence: confidence,
    entities: firstOfEachType(mentions),
    mentions,
    sentiment,
    sentimentScore: score,
  };
}

export { INTENTS } from './types';
export type { Entities, EntityMention, EntityType, Intent, NluResult, Sentiment } from './types';
export { isValidChineseIdCard, passesLuhn } from './identifiers';
export { parseChineseNumber } from './chinese-numerals';
export { resolveDate } from './dates';
