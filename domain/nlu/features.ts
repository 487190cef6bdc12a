import { INTENT_CUES } from './intent-lexicon';
import { expandContractions, foldText, HAN } from './text';
import { maskSpans, type EntityMention } from './types';

const wordSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** Entities that stand for themselves in a sentence only by their kind: "order 202611180042" is "order @order_id". */
const PLACEHOLDER_TYPES = new Set<EntityMention['type']>(['order_id', 'phone', 'email', 'money', 'date', 'id_card', 'bank_card']);

/** Enough stemming that "exchange", "exchanged" and "exchanging" meet at "exchang". */
export function stemEnglish(word: string): string {
  if (word.length <= 4) return word;
  const suffix = ['ing', 'ed', 'es', 's'].find((s) => word.endsWith(s) && word.length - s.length >= 3);
  const base = suffix ? word.slice(0, -suffix.length) : word;
  return base.length > 4 && base.endsWith('e') ? base.slice(0, -1) : base;
}

interface CompiledCue {
  name: string;
  zh: string[];
  /** Stemmed phrases padded with spaces, to find inside a padded stemmed sentence. */
  en: string[];
}

const COMPILED_CUES: CompiledCue[] = Object.entries(INTENT_CUES).map(([name, { zh, en }]) => ({
  name,
  zh,
  en: en.map((phrase) => ` ${phrase.split(/\s+/).map(stemEnglish).join(' ')} `),
}));

function cueFeatures(prepared: string, stemmedWords: string[]): string[] {
  const sentence = ` ${stemmedWords.join(' ')} `;
  return COMPILED_CUES.filter((cue) => cue.zh.some((word) => prepared.includes(word)) || cue.en.some((phrase) => sentence.includes(phrase))).map(
    (cue) => `k:${cue.name}`,
  );
}

function hanFeatures(run: string): string[] {
  const features: string[] = [];
  for (let i = 0; i < run.length; i++) {
    features.push(`c:${run[i]}`);
    if (i + 1 < run.length) features.push(`b:${run.slice(i, i + 2)}`);
  }
  return features;
}

/**
 * Sparse features of an utterance for the intent model: dictionary words and Han character
 * unigrams and bigrams for Chinese, stemmed words and word bigrams for English, cue words shared
 * by both languages, the kinds of entities and the categories of products present, and whether it
 * asks a question.
 */
export function intentFeatures(text: string, mentions: EntityMention[]): string[] {
  const placeholders = mentions.filter((m) => PLACEHOLDER_TYPES.has(m.type));
  const prepared = expandContractions(maskSpans(foldText(text), placeholders).replace(/\uE000+/g, ' '));
  const products = mentions.filter((m) => m.type === 'product').map((m) => `@category:${m.category ?? 'unknown'}`);
  const features = [...placeholders.map((m) => `@${m.type}`), ...products];
  const englishWords: string[] = [];
  for (const { segment, isWordLike } of wordSegmenter.segment(prepared)) {
    if (!isWordLike) continue;
    if (HAN.test(segment)) {
      features.push(`w:${segment}`);
    } else if (/^[a-z][a-z']*$/.test(segment)) {
      englishWords.push(stemEnglish(segment));
    } else if (/\d/.test(segment)) {
      features.push(/^[a-z]+\d+[a-z]?$|^\d+[a-z]+$/.test(segment) ? `m:${segment}` : '#number');
    }
  }
  for (const run of prepared.match(/\p{Script=Han}+/gu) ?? []) features.push(...hanFeatures(run));
  englishWords.forEach((word, i) => {
    features.push(`e:${word}`);
    const next = englishWords[i + 1];
    if (next !== undefined) features.push(`e2:${word}_${next}`);
  });
  features.push(...cueFeatures(prepared, englishWords));
  if (/[?]|[吗呢么]\s*[?!.。]?\s*$/.test(prepared)) features.push('?');
  return [...new Set(features)];
}

const ENGLISH_FUNCTION_WORDS = new Set(
  'a an the is are was were be been am do does did i you we they he she it me my your our us to of in on at for with and or but if so not no this that there here'.split(' '),
);

/**
 * Features that carry meaning rather than structure or grammar; the share of these the model
 * knows tells text it can read from gibberish ("the", "asdf qwer").
 */
export function isInformativeFeature(feature: string): boolean {
  if (feature.startsWith('e:')) return !ENGLISH_FUNCTION_WORDS.has(feature.slice(2));
  if (feature.startsWith('e2:')) return feature.slice(3).split('_').some((word) => !ENGLISH_FUNCTION_WORDS.has(word));
  return /^(w|c|b|m|k):/.test(feature);
}
