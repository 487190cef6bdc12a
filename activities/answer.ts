import { HumanMessage, SystemMessage, type MessageContent } from '@langchain/core/messages';
import { RunnableBranch, RunnableLambda, RunnableSequence, type Runnable } from '@langchain/core/runnables';
import type { Logger } from 'pino';
import { embeddedDraft, type CompositionContext } from '../domain/answer/compose';
import { chooseGrounding, resolveProduct, type Grounding } from '../domain/answer/grounding';
import { applyGuardrails, renderAnswer, type DraftAnswer } from '../domain/answer/guardrails';
import { groundedPrompt, passagesFor, readModelAnswer } from '../domain/answer/prompt';
import { recommendationFor, recommendationLine } from '../domain/answer/recommendation';
import type { Product } from '../domain/catalog';
import type { KnowledgeArticle, KnowledgeIndex } from '../domain/kb/retrieval';
import { pseudonymise, restorePii } from '../domain/pii';
import type { KnowledgeSource } from './knowledge';

export interface AnswerInput {
  text: string;
  lang: 'zh' | 'en';
  intent: string;
  entities: Record<string, unknown>;
  /** The product the conversation is about, for "这款" and "it". */
  lastProduct?: string;
  recommend: boolean;
  /** SKU → SKUs often bought with it, best first. */
  coPurchases?: Record<string, string[]>;
}

export interface AnswerResult {
  text: string;
  citations: string[];
  grounded: boolean;
  source: 'knowledge' | 'catalog' | 'none';
  usedLlm: boolean;
  product?: string;
  /** SKU of the one related item suggested in the text. */
  recommendation?: string;
  disclosures: string[];
}

export interface LlmSettings {
  apiKey: string;
  baseUrl?: string;
  model: string;
  /** The whole budget for the model, retries included; past it the embedded answer is given. */
  timeoutMs: number;
}

/** One more try is worth it for a provider hiccup; more would eat the customer's wait. */
const LLM_MAX_RETRIES = 1;

/** Everything a turn's answer is worked out from, with the customer's personal data already replaced by placeholders. */
interface AnswerState {
  input: AnswerInput;
  index: KnowledgeIndex;
  catalog: Product[];
  product?: Product;
  grounding: Grounding;
}

interface Draft extends DraftAnswer {
  usedLlm: boolean;
}

class UnusableModelAnswer extends Error {
  override name = 'UnusableModelAnswer';
}

function compositionContext(state: AnswerState): CompositionContext {
  return { question: state.input.text, lang: state.input.lang, index: state.index, catalog: state.catalog };
}

function textOf(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && 'text' in part && typeof part.text === 'string' ? part.text : '')).join('');
}

/** The model writes only from passages; loan answers stay verbatim and there is nothing to say without a source. */
function modelMayAnswer(state: AnswerState): boolean {
  if (state.input.intent === 'loan') return false;
  return state.grounding.source === 'knowledge' || (state.grounding.source === 'catalog' && !state.grounding.unlisted);
}

function answerSource(citations: string[]): AnswerResult['source'] {
  const [first] = citations;
  if (first === undefined) return 'none';
  return first.startsWith('product:') ? 'catalog' : 'knowledge';
}

/**
 * The OpenAI-compatible client, loaded only when a model is configured and then without holding up
 * the worker's start: its modules take about half a second to load.
 */
function lazyChatModel(settings: LlmSettings) {
  let model: Promise<import('@langchain/openai').ChatOpenAI> | undefined;
  return () =>
    (model ??= import('@langchain/openai').then(
      ({ ChatOpenAI }) =>
        new ChatOpenAI({
          apiKey: settings.apiKey,
          model: settings.model,
          temperature: 0,
          timeout: settings.timeoutMs,
          maxRetries: LLM_MAX_RETRIES,
          configuration: { baseURL: settings.baseUrl },
        }),
    ));
}

function modelDraft(settings: LlmSettings, log?: Pick<Logger, 'warn'>): Runnable<AnswerState, Draft> {
  const chatModel = lazyChatModel(settings);
  // Loaded in the background now, so the first customer's question does not wait for it.
  chatModel().catch((error: unknown) => log?.warn({ err: error }, 'the LLM client could not be loaded; answers will be embedded'));
  return RunnableLambda.from(async (state: AnswerState, config): Promise<Draft> => {
    const ctx = compositionContext(state);
    const passages = passagesFor(state.grounding, ctx);
    const prompt = groundedPrompt(ctx.question, ctx.lang, passages);
    try {
      const model = await chatModel();
      const reply = await model.invoke([new SystemMessage(prompt.system), new HumanMessage(prompt.user)], config);
      const read = readModelAnswer(textOf(reply.content), passages, ctx.question, ctx.lang);
      if ('rejected' in read) throw new UnusableModelAnswer(read.rejected);
      return { ...read, grounded: true, usedLlm: true };
    } catch (error) {
      log?.warn({ err: error, model: settings.model }, 'LLM answer unavailable, using the embedded answer');
      throw error;
    }
  }).withConfig({ runName: 'llm-answer', timeout: settings.timeoutMs });
}

/**
 * Answers a customer's question as a LangChain runnable: ground (knowledge articles or the
 * catalog) → draft (the LLM when configured, falling back to the embedded answerer on failure,
 * slowness or an answer that cites what it was not given) → compliance guardrails and at most
 * one recommendation. Personal data is replaced by placeholders before the chain runs, so
 * nothing the chain sends anywhere holds it, and restored in the final text.
 */
export function createAnswerer(deps: {
  knowledge: KnowledgeSource;
  catalog: () => Promise<Product[]>;
  llm?: LlmSettings;
  /** Where a failed LLM call is reported before the embedded answer stands in. */
  log?: Pick<Logger, 'warn'>;
}): { answer(input: AnswerInput): Promise<AnswerResult> } {
  const ground = RunnableLambda.from(async (input: AnswerInput): Promise<AnswerState> => {
    const [index, catalog] = await Promise.all([deps.knowledge.index(), deps.catalog()]);
    const resolved = resolveProduct(input.text, catalog, input.entities.product, input.lastProduct);
    const grounding = chooseGrounding({ question: input.text, lang: input.lang, intent: input.intent, product: resolved }, index, catalog);
    return { input, index, catalog, product: resolved?.product, grounding };
  }).withConfig({ runName: 'ground' });

  const embedded = RunnableLambda.from((state: AnswerState): Draft => ({ ...embeddedDraft(state.grounding, compositionContext(state)), usedLlm: false })).withConfig({
    runName: 'embedded-answer',
  });

  const draft: Runnable<AnswerState, Draft> = deps.llm
    ? RunnableBranch.from<AnswerState, Draft>([[modelMayAnswer, modelDraft(deps.llm, deps.log).withFallbacks([embedded])], embedded])
    : embedded;

  const withDraft = RunnableLambda.from(async (state: AnswerState, config): Promise<AnswerState & { draft: Draft }> => ({
    ...state,
    draft: await draft.invoke(state, config),
  })).withConfig({ runName: 'draft' });

  const finish = RunnableLambda.from((state: AnswerState & { draft: Draft }): AnswerResult => {
    const { input, index, catalog, product, draft: written } = state;
    const citedArticles = written.citations.map((id) => index.article(id)).filter((a): a is KnowledgeArticle => a !== undefined);
    const compliant = applyGuardrails(written, { lang: input.lang, intent: input.intent, product, citedArticles });
    const recommended = input.recommend ? recommendationFor({ intent: input.intent, product, catalog, coPurchases: input.coPurchases }) : undefined;
    return {
      text: recommended ? `${renderAnswer(compliant, input.lang)}\n${recommendationLine(recommended, input.lang)}` : renderAnswer(compliant, input.lang),
      citations: compliant.citations,
      grounded: compliant.grounded,
      source: answerSource(compliant.citations),
      usedLlm: written.usedLlm && compliant.grounded,
      ...(product ? { product: product.sku } : {}),
      ...(recommended ? { recommendation: recommended.sku } : {}),
      disclosures: compliant.disclosures,
    };
  }).withConfig({ runName: 'guard-and-recommend' });

  const chain = RunnableSequence.from<AnswerInput, AnswerResult>([ground, withDraft, finish], 'answer');

  return {
    async answer(input: AnswerInput): Promise<AnswerResult> {
      const { text, vault } = pseudonymise(input.text);
      const result = await chain.invoke({ ...input, text, entities: { product: input.entities.product } });
      return { ...result, text: restorePii(result.text, vault) };
    },
  };
}
