import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hashPassword } from '../api/auth';
import { DEMO_AGENTS, DEMO_CUSTOMERS, DEMO_USERS, demoEvents, demoOrders } from '../domain/demo-data';
import type { Models } from './db/models';
import { seedOrderSystem } from './oms/embedded';

const SEED_DIR = path.resolve(import.meta.dirname, '..', 'seed');

interface CatalogRow {
  sku: string;
  name: { zh: string; en: string };
  brand: string;
  category: string;
  price: number;
  currency: string;
  stock: number;
  attributes: Record<string, unknown>;
  related: string[];
}

interface ArticleRow {
  id: string;
  lang: 'zh' | 'en';
  title: string;
  tags: string[];
  body: string;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(path.join(SEED_DIR, file), 'utf8')) as T;
}

/** Catalog and knowledge base: reference data every installation needs, upserted on each start. */
export async function seedReferenceData(models: Models): Promise<{ products: number; articles: number }> {
  const [catalog, articles] = await Promise.all([readJson<CatalogRow[]>('catalog.json'), readJson<ArticleRow[]>('knowledge-base.json')]);
  if (catalog.length > 0) {
    // The catalog's own order is kept: where a mention fits several products, the earlier one wins.
    await models.Product.bulkWrite(catalog.map((p, position) => ({ updateOne: { filter: { sku: p.sku }, update: { $set: { ...p, position } }, upsert: true } })));
  }
  if (articles.length > 0) {
    await models.KnowledgeArticle.bulkWrite(
      articles.map((a) => ({
        updateOne: { filter: { articleId: a.id }, update: { $set: { articleId: a.id, lang: a.lang, title: a.title, tags: a.tags, body: a.body } }, upsert: true },
      })),
    );
  }
  return { products: catalog.length, articles: articles.length };
}

/**
 * Demo customers, orders, events and one user per role. Inserted only where missing, so a second
 * start keeps whatever the demo has changed since.
 */
export async function seedDemoData(models: Models, opts: { demoPassword: string; now?: Date }): Promise<{ created: boolean }> {
  if (await models.User.exists({ username: 'admin' })) return { created: false };
  const now = opts.now ?? new Date();
  const prices = new Map((await models.Product.find({}, { sku: 1, price: 1 }).lean()).map((p) => [p.sku, p.price]));
  const orders = demoOrders(now, (sku) => prices.get(sku) ?? 0);
  const passwordHash = await hashPassword(opts.demoPassword);

  const upsertAll = async <T extends object>(model: { bulkWrite: (ops: never[]) => Promise<unknown> }, rows: T[], key: keyof T) => {
    if (rows.length === 0) return;
    await model.bulkWrite(rows.map((row) => ({ updateOne: { filter: { [key]: row[key] }, update: { $setOnInsert: row }, upsert: true } })) as never[]);
  };
  await upsertAll(models.Customer, DEMO_CUSTOMERS, 'customerId');
  await upsertAll(models.Order, orders, 'orderId');
  await seedOrderSystem(models, orders);
  await upsertAll(models.BehaviourEvent, demoEvents(now, orders), 'eventId');
  await upsertAll(models.Agent, DEMO_AGENTS.map((a) => ({ ...a, skills: [...a.skills], status: 'offline' })), 'agentId');
  // The admin user goes last: its presence marks a completed seed.
  const users = DEMO_USERS.map((u) => ({ ...u, roles: [...u.roles], passwordHash, demo: true }));
  await upsertAll(models.User, [...users.filter((u) => u.username !== 'admin'), ...users.filter((u) => u.username === 'admin')], 'username');
  return { created: true };
}
