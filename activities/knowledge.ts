import { KnowledgeIndex } from '../domain/kb/retrieval';
import type { Models } from './db/models';

const REFRESH_MS = 60_000;

/** The knowledge index, rebuilt from MongoDB at most once a minute so edits show up without a restart. */
export function createKnowledgeSource(models: Pick<Models, 'KnowledgeArticle'>) {
  let cached: { index: KnowledgeIndex; builtAt: number } | undefined;
  let building: Promise<KnowledgeIndex> | undefined;

  async function build(): Promise<KnowledgeIndex> {
    const rows = await models.KnowledgeArticle.find({}, { articleId: 1, lang: 1, title: 1, tags: 1, body: 1 }).lean();
    const index = new KnowledgeIndex(rows.map((r) => ({ id: r.articleId, lang: r.lang, title: r.title, tags: r.tags, body: r.body })));
    cached = { index, builtAt: Date.now() };
    return index;
  }

  return {
    async index(): Promise<KnowledgeIndex> {
      if (cached && Date.now() - cached.builtAt < REFRESH_MS) return cached.index;
      building ??= build().finally(() => {
        building = undefined;
      });
      return building;
    },
  };
}

export type KnowledgeSource = ReturnType<typeof createKnowledgeSource>;
