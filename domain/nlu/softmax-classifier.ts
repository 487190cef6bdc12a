/**
 * Multinomial logistic regression over sparse binary features, trained by stochastic gradient
 * descent with L2 regularisation. Deterministic: the sample order comes from a seeded generator,
 * so the same training data always gives the same model.
 */

export interface LabelledExample<Label extends string> {
  features: string[];
  label: Label;
}

export interface TrainingOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export interface LabelProbability<Label extends string> {
  label: Label;
  probability: number;
}

/** Mulberry32: a tiny seeded generator, enough to shuffle training samples reproducibly. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffleInPlace<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = items[i] as T;
    items[i] = items[j] as T;
    items[j] = held;
  }
}

function softmaxInPlace(scores: Float64Array): void {
  const max = Math.max(...scores);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const exp = Math.exp((scores[i] ?? 0) - max);
    scores[i] = exp;
    sum += exp;
  }
  for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] ?? 0) / sum;
}

export class SoftmaxClassifier<Label extends string> {
  private constructor(
    private readonly labels: readonly Label[],
    private readonly weights: Map<string, Float64Array>,
    private readonly bias: Float64Array,
  ) {}

  static train<Label extends string>(labels: readonly Label[], examples: LabelledExample<Label>[], options: TrainingOptions): SoftmaxClassifier<Label> {
    const classCount = labels.length;
    const weights = new Map<string, Float64Array>();
    const bias = new Float64Array(classCount);
    const model = new SoftmaxClassifier(labels, weights, bias);
    for (const example of examples) {
      for (const feature of example.features) if (!weights.has(feature)) weights.set(feature, new Float64Array(classCount));
    }
    const random = seededRandom(options.seed);
    const order = examples.map((_, i) => i);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      shuffleInPlace(order, random);
      const rate = options.learningRate / (1 + epoch * 0.1);
      for (const index of order) {
        const example = examples[index];
        if (example) model.step(example, rate, options.l2);
      }
    }
    return model;
  }

  private step(example: LabelledExample<Label>, rate: number, l2: number): void {
    const probabilities = this.scores(example.features);
    softmaxInPlace(probabilities);
    const target = this.labels.indexOf(example.label);
    const scale = 1 / Math.sqrt(Math.max(1, example.features.length));
    for (let c = 0; c < probabilities.length; c++) {
      const gradient = (probabilities[c] ?? 0) - (c === target ? 1 : 0);
      this.bias[c] = (this.bias[c] ?? 0) - rate * gradient;
      for (const feature of example.features) {
        const row = this.weights.get(feature);
        if (row) row[c] = (row[c] ?? 0) - rate * (gradient * scale + l2 * (row[c] ?? 0));
      }
    }
  }

  /** Feature values are 1/sqrt(n), so long and short utterances weigh alike. */
  private scores(features: string[]): Float64Array {
    const scores = Float64Array.from(this.bias);
    const scale = 1 / Math.sqrt(Math.max(1, features.length));
    for (const feature of features) {
      const row = this.weights.get(feature);
      if (!row) continue;
      for (let c = 0; c < scores.length; c++) scores[c] = (scores[c] ?? 0) + (row[c] ?? 0) * scale;
    }
    return scores;
  }

  knows(feature: string): boolean {
    return this.weights.has(feature);
  }

  /** Every label with its probability, most probable first. */
  predict(features: string[]): LabelProbability<Label>[] {
    const probabilities = this.scores(features);
    softmaxInPlace(probabilities);
    return this.labels
      .map((label, i) => ({ label, probability: probabilities[i] ?? 0 }))
      .sort((a, b) => b.probability - a.probability);
  }
}
