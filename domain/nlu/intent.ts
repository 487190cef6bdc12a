import seedCatalog from '../../seed/catalog.json';
import type { Product } from '../catalog';
import { extractEntities } from './entities';
import { intentFeatures, isInformativeFeature } from './features';
import { SoftmaxClassifier, type LabelledExample, type TrainingOptions } from './softmax-classifier';
import { TRAINING_UTTERANCES } from './training-data';
import { INTENTS, type EntityMention, type Intent } from './types';

export interface IntentPrediction {
  intent: Intent;
  confidence: number;
  ranking: Array<{ intent: Intent; probability: number }>;
}

const TRAINING_OPTIONS: TrainingOptions = { epochs: 30, learningRate: 0.5, l2: 1e-4, seed: 7 };
/** Below this share of known words the model is guessing: "asdkjh qwe" must not come out confident. */
const FULL_COVERAGE = 0.8;

/**
 * The training utterances name the demo shop's products, so they are read against its catalog: the
 * model learns what a mention of a finance or a phone product says about intent, and that carries
 * over to any catalog using the same categories.
 */
const TRAINING_CATALOG: Product[] = seedCatalog;

export function trainingExamples(utterances = TRAINING_UTTERANCES): LabelledExample<Intent>[] {
  return INTENTS.flatMap((intent) =>
    [...utterances[intent].zh, ...utterances[intent].en].map((text) => ({
      label: intent,
      features: intentFeatures(text, extractEntities(text, { catalog: TRAINING_CATALOG })),
    })),
  );
}

export function trainIntentModel(examples: LabelledExample<Intent>[] = trainingExamples()): SoftmaxClassifier<Intent> {
  return SoftmaxClassifier.train(INTENTS, examples, TRAINING_OPTIONS);
}

let trainedModel: SoftmaxClassifier<Intent> | undefined;

/** Trained on first use (a few hundred milliseconds) and kept for the life of the process. */
function model(): SoftmaxClassifier<Intent> {
  trainedModel ??= trainIntentModel();
  return trainedModel;
}

function knownShare(features: string[], classifier: SoftmaxClassifier<Intent>): number {
  const informative = features.filter(isInformativeFeature);
  if (informative.length === 0) return 0;
  return informative.filter((f) => classifier.knows(f)).length / informative.length;
}

export function classifyIntent(text: string, mentions: EntityMention[], classifier = model()): IntentPrediction {
  const features = intentFeatures(text, mentions);
  const ranking = classifier.predict(features).map(({ label, probability }) => ({ intent: label, probability }));
  const coverage = knownShare(features, classifier);
  const hasEntities = features.some((f) => f.startsWith('@'));
  const best = ranking[0];
  if (!best || (coverage === 0 && !hasEntities)) {
    return { intent: 'out_of_scope', confidence: 0.05, ranking };
  }
  const confidence = best.probability * Math.min(1, coverage / FULL_COVERAGE);
  return { intent: best.intent, confidence: Math.round(confidence * 1000) / 1000, ranking };
}
