import { Double, MongoClient, ObjectId, type Collection, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedMongoUri } from '../helpers/stack';

/**
 * The embedded database answers equality lookups on indexed fields from its indexes (see
 * scripts/ferretdb/patches). These lookups must find exactly what a full scan finds: the same
 * documents go into a collection with indexes and one without, and every query must return the
 * same documents from both, whatever the stored field holds (arrays, numbers of other types, zero
 * stored as -0, strings that need escaping, nothing at all).
 */

const oid = new ObjectId();
const docs: Document[] = [
  { _id: 'a', key: 'x', n: 1, tags: ['red', 'blue'], owner: 'p1' },
  { _id: 'b', key: 'y', n: 2, tags: 'red', owner: 'p1' },
  { _id: 'c', key: ['x', 'z'], n: new Double(1), tags: [], owner: 'p2' },
  { _id: 'd', key: '中文 "quoted" \\ <&> \u2028', n: new Double(-0), tags: ['green'], owner: 'p2' },
  { _id: 'e', key: null, n: 0, tags: ['blue', 'red'], owner: 'p3' },
  { _id: 'f', n: 2.5, tags: [{ colour: 'red' }], owner: 'p3' },
  { _id: 'g', key: { nested: 'x' }, n: [1, 3], tags: 'blue', owner: 'p4' },
  { _id: 'h', key: 'X', n: 9_007_199_254_740_993n, owner: 'p4' },
  { _id: 7, key: 'num-id', n: 7, owner: 'p5' },
  { _id: 7.5, key: 'fraction-id', n: 8, owner: 'p5' },
  { _id: oid, key: 'oid', n: 3, owner: 'p6' },
];

const filters: Document[] = [
  { _id: 'a' },
  { _id: 'zz' },
  { _id: 7 },
  { _id: new Double(7) },
  { _id: 7.5 },
  { _id: oid },
  { _id: oid.toHexString() },
  { key: 'x' },
  { key: 'X' },
  { key: 'z' },
  { key: '中文 "quoted" \\ <&> \u2028' },
  { key: { $eq: 'x' } },
  { key: 'x', owner: 'p1' },
  { key: 'x', owner: 'p2' },
  { owner: 'p3' },
  { tags: 'red' },
  { tags: 'blue', owner: 'p4' },
  { n: 1 },
  { n: new Double(1) },
  { n: new Double(-0) },
  { n: 2 },
  { n: 0 },
  { n: 2.5 },
  { n: 3 },
  { n: 9_007_199_254_740_993n },
  { n: 7, owner: 'p5' },
  { missing: 'x' },
];

let client: MongoClient;
let indexed: Collection;
let plain: Collection;

beforeAll(async () => {
  client = await MongoClient.connect(isolatedMongoUri('lookups'), { useBigInt64: true });
  const db = client.db();
  indexed = db.collection('indexed');
  plain = db.collection('plain');
  await indexed.createIndex({ key: 1 });
  await indexed.createIndex({ owner: 1, n: -1 });
  await indexed.createIndex({ tags: 1 });
  await indexed.createIndex({ n: 1 });
  await indexed.insertMany(docs.map((d) => ({ ...d })));
  await plain.insertMany(docs.map((d) => ({ ...d })));
});

afterAll(async () => {
  await client?.db().dropDatabase();
  await client?.close();
});

const ids = async (collection: Collection, filter: Document) => (await collection.find(filter, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)).sort();

describe('equality lookups on indexed fields', () => {
  it('find exactly the documents a full scan finds', async () => {
    const mismatches: string[] = [];
    let nonEmpty = 0;
    for (const filter of filters) {
      const [fromIndex, fromScan] = await Promise.all([ids(indexed, filter), ids(plain, filter)]);
      if (fromScan.length > 0) nonEmpty += 1;
      if (JSON.stringify(fromIndex) !== JSON.stringify(fromScan)) mismatches.push(`${JSON.stringify(filter, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}: index ${JSON.stringify(fromIndex)} vs scan ${JSON.stringify(fromScan)}`);
    }
    expect(mismatches).toEqual([]);
    // The comparison means something only if most queries find documents.
    expect(nonEmpty).toBeGreaterThan(filters.length / 2);
    expect(await ids(indexed, { tags: 'red' })).toEqual(['a', 'b', 'e']);
    expect(await ids(indexed, { n: 1 })).toEqual(['a', 'c', 'g']);
    expect(await ids(indexed, { n: 0 })).toEqual(['d', 'e']);
  });

  it('update and delete the documents a full scan would', async () => {
    for (const collection of [indexed, plain]) {
      await collection.updateMany({ tags: 'red' }, { $set: { touched: true } });
      await collection.updateOne({ _id: 7 } as Document, { $set: { touched: true } });
      await collection.deleteMany({ key: 'x' });
    }
    expect(await ids(indexed, { touched: true })).toEqual(await ids(plain, { touched: true }));
    expect(await ids(indexed, {})).toEqual(await ids(plain, {}));
    expect(await ids(indexed, { touched: true })).toEqual(['7', 'b', 'e']);
    expect(await indexed.countDocuments({})).toBe(docs.length - 2);
  });
});
