/** A/B tests of how the bot replies: sticky assignment and the settings a variant changes. */
import { pickWeighted } from './hash';

export const REPLY_STYLES = ['standard', 'warm'] as const;
export type ReplyStyle = (typeof REPLY_STYLES)[number];

export interface ReplySettings {
  recommend: boolean;
  style: ReplyStyle;
}

export interface ExperimentVariant {
  id: string;
  weight: number;
  settings: Partial<ReplySettings>;
}

export interface Experiment {
  experimentId: string;
  variants: ExperimentVariant[];
}

/** Sticky: the same customer gets the same variant of an experiment in every conversation. */
export function assignVariant(experiment: Experiment, customerId: string): ExperimentVariant {
  return pickWeighted(`${experiment.experimentId}:${customerId}`, experiment.variants);
}

/** Later experiments override earlier ones setting the same thing; the bot's own choice is the default. */
export function replySettings(base: ReplySettings, variants: ReadonlyArray<Pick<ExperimentVariant, 'settings'>>): ReplySettings {
  return variants.reduce<ReplySettings>((settings, v) => ({ ...settings, ...v.settings }), base);
}

const WARM_OPENING = { zh: '很高兴为您解答!', en: 'Happy to help! ' } as const;

export function styleReply(text: string, style: ReplyStyle, lang: 'zh' | 'en'): string {
  if (style !== 'warm' || !text) return text;
  return `${WARM_OPENING[lang]}${text}`;
}

export const EXPERIMENT_OUTCOMES = ['resolved_by_bot', 'handed_off', 'converted'] as const;
