/**
 * A win-back campaign to BENCH_CUSTOMERS customers (default 100 000): seeds the audience, defines
 * the campaign through the API (which creates its Schedule), starts a run, SIGKILLs the worker
 * process once about BENCH_KILL_AT of the audience has been decided (default 0.4), starts a fresh
 * worker, and waits for every send. Reports the run's time, sends per second, and — counted, not
 * assumed — duplicate sends and coupons and missed recipients. BENCH_PAGE_SIZE sets the page size.
 */
import { randomUUID } from 'node:crypto';
import { recipientKey } from '../domain/marketing/campaign';
import { campaignRunProgressQuery, campaignRunWorkflow } from '../workflows/campaign';
import { database, machine, round, sampleRss, startBenchStack, startSystemProcess, staffToken, temporalClient, writeWorkflowBundle, type SystemProcess } from './harness';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 1_000);
const KILL_AT = Number(process.env.BENCH_KILL_AT ?? 0.4);
const SEED_BATCH = 5_000;
const TIME_LIMIT_MS = Number(process.env.BENCH_TIME_LIMIT_MS ?? 45 * 60_000);

const customerIdOf = (i: number) => `b-${String(i).padStart(7, '0')}`;

async function until<T>(probe: () => Promise<T | undefined>, what: string, deadline: number, everyMs = 1_000): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export default async function run() {
  const deadline = Date.now() + TIME_LIMIT_MS;
  const stack = await startBenchStack('campaign-fanout');
  const processes: SystemProcess[] = [];
  try {
    const db = await database(stack);
    const { models } = db;
    // The API and worker start on an empty database (the API seeds the demo shop), then the audience is loaded.
    const taskQueue = `bench-campaign-${randomUUID().slice(0, 8)}`;
    const bundle = await writeWorkflowBundle(stack.dataDir);
    const api = await startSystemProcess(stack, { role: 'api', taskQueue, bundlePath: bundle.path });
    processes.push(api);
    let worker = await startSystemProcess(stack, { role: 'worker', taskQueue, bundlePath: bundle.path });
    processes.push(worker);
    const seedStarted = performance.now();
    for (let from = 0; from < CUSTOMERS; from += SEED_BATCH) {
      const rows = Array.from({ length: Math.min(SEED_BATCH, CUSTOMERS - from) }, (_, k) => {
        const i = from + k;
        return {
          customerId: customerIdOf(i),
          name: `Customer ${i}`,
          lang: i % 3 ? 'zh' : 'en',
          phone: `139${String(i).padStart(8, '0')}`,
          // One in twenty has not consented, one in a hundred is on do-not-contact: they must be skipped, not missed.
          consent: { sms: i % 20 !== 0, email: false, wechat: false, app: false },
          doNotContact: i % 100 === 1,
          rfm: { frequency: 1, monetary: 100, segment: 'lost' },
        };
      });
      await models.Customer.insertMany(rows, { ordered: false, lean: true });
    }
    const seedMs = performance.now() - seedStarted;


    const token = await staffToken(api.apiUrl!, 'marketer');
    const response = await fetch(`${api.apiUrl}/api/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        name: 'Bench win-back',
        audience: { segments: ['lost'] },
        offer: { amount: 30, threshold: 199, expiryDays: 14 },
        channels: ['sms'],
        variants: [
          { id: 'a', weight: 1, templates: { zh: '{{name}},送您{{amount}}元券 {{coupon}}', en: '{{name}}: ¥{{amount}} off with {{coupon}}' } },
          { id: 'b', weight: 1, templates: { zh: '{{name}},回来看看 {{coupon}}', en: '{{name}}, come back: {{coupon}}' } },
        ],
        holdoutShare: 0.1,
        schedule: { cron: '0 3 1 1 *' },
        goal: { event: 'purchase', windowHours: 1 },
      }),
    });
    if (response.status !== 201) throw new Error(`defining the campaign failed: ${response.status} ${await response.text()}`);
    const { campaignId } = (await response.json()) as { campaignId: string };

    // The run a Schedule would start, with the benchmark's page size.
    const client = await temporalClient(stack);
    const runId = `campaign-run-${campaignId}-bench`;
    const rss = sampleRss(worker.pid);
    const started = performance.now();
    await client.workflow.start(campaignRunWorkflow, { workflowId: runId, taskQueue, args: [{ campaignId, pageSize: PAGE_SIZE }] });

    // Progress from the run itself (a query answered by the worker), not by counting rows: a count
    // reads the whole collection on FerretDB and would slow the run it measures.
    const progress = setInterval(() => {
      void client.workflow
        .getHandle(runId)
        .query(campaignRunProgressQuery)
        .then((p) => console.error(`[campaign-fanout] ${round((performance.now() - started) / 1000)}s: ${p.phase}, ${p.pages} pages, ${p.targeted} decided, ${p.sent} sent`))
        .catch(() => undefined);
    }, 30_000);
    progress.unref();

    // The kill point is one recipient's decision, looked up by its key (an indexed equality): the
    // customer about KILL_AT into the audience, in the middle of a page, so the kill lands while that
    // page's coupons and sends are being written.
    const killAt = Math.min(CUSTOMERS - 1, Math.floor(CUSTOMERS * KILL_AT) + Math.floor(PAGE_SIZE / 2));
    let decidedAtKill = 0;
    let killed = false;
    if (KILL_AT > 0 && KILL_AT < 1) {
      const marker = recipientKey(runId, customerIdOf(killAt));
      await until(async () => ((await models.CampaignTarget.exists({ targetKey: marker })) ? true : undefined), 'the kill point', deadline, 250);
      rss.stop();
      process.kill(worker.pid, 'SIGKILL');
      // Recipients are decided in audience order, so at least this many were.
      decidedAtKill = killAt + 1;
      killed = true;
      worker = await startSystemProcess(stack, { role: 'worker', taskQueue, bundlePath: bundle.path });
      processes.push(worker);
    }
    const rssAfter = sampleRss(worker.pid);
    await until(async () => ((await models.CampaignRun.findOne({ runId }, { status: 1 }).lean())?.status === 'awaiting_conversions' ? true : undefined), 'the run to finish sending', deadline, 500);
    const runMs = performance.now() - started;
    rssAfter.stop();
    clearInterval(progress);

    // Count what happened rather than trusting the unique indexes: every key of this run, grouped by customer.
    const prefix = recipientKey(runId, '');
    const perCustomer = new Map<string, { targets: number; deliveries: number; coupons: number }>();
    const bump = (customerId: string, field: 'targets' | 'deliveries' | 'coupons') => {
      const entry = perCustomer.get(customerId) ?? { targets: 0, deliveries: 0, coupons: 0 };
      entry[field]++;
      perCustomer.set(customerId, entry);
    };
    const targetOutcome = new Map<string, string>();
    for await (const t of models.CampaignTarget.find({ runId }, { customerId: 1, outcome: 1, _id: 0 }).lean().cursor({ batchSize: 10_000 })) {
      bump(t.customerId, 'targets');
      targetOutcome.set(t.customerId, t.outcome);
    }
    for await (const d of models.Delivery.find({ purpose: 'marketing' }, { idempotencyKey: 1, customerId: 1, _id: 0 }).lean().cursor({ batchSize: 10_000 })) {
      if (d.idempotencyKey.startsWith(prefix)) bump(d.customerId, 'deliveries');
    }
    for await (const c of models.Coupon.find({}, { couponKey: 1, customerId: 1, _id: 0 }).lean().cursor({ batchSize: 10_000 })) {
      if (c.couponKey.startsWith(prefix)) bump(c.customerId, 'coupons');
    }
    let duplicateSends = 0;
    let duplicateCoupons = 0;
    let duplicateTargets = 0;
    let missedSends = 0;
    let sends = 0;
    for (const [customerId, n] of perCustomer) {
      duplicateTargets += Math.max(0, n.targets - 1);
      duplicateSends += Math.max(0, n.deliveries - 1);
      duplicateCoupons += Math.max(0, n.coupons - 1);
      sends += Math.min(1, n.deliveries);
      if (targetOutcome.get(customerId) === 'sent' && (n.deliveries === 0 || n.coupons === 0)) missedSends++;
    }
    const missedRecipients = CUSTOMERS - [...perCustomer.values()].filter((n) => n.targets > 0).length;
    const outcomes: Record<string, number> = {};
    for (const outcome of targetOutcome.values()) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;

    // The marketer's report over the whole run, through the API, as the console asks for it.
    const reportStarted = performance.now();
    const reportResponse = await fetch(`${api.apiUrl}/api/campaigns/${campaignId}/report`, { headers: { authorization: `Bearer ${token}` } });
    if (reportResponse.status !== 200) throw new Error(`the campaign report failed: ${reportResponse.status} ${await reportResponse.text()}`);
    const report = (await reportResponse.json()) as { total: { targeted: number; sent: number }; holdout: { targeted: number } };
    const reportMs = performance.now() - reportStarted;

    await client.workflow.getHandle(runId).terminate('benchmark finished');
    await client.connection.close();
    await db.close();

    const figures = {
      benchmark: 'campaign-fanout',
      customers: CUSTOMERS,
      pageSize: PAGE_SIZE,
      seedSeconds: round(seedMs / 1000),
      runSeconds: round(runMs / 1000),
      sends,
      sendsPerSecond: round(sends / (runMs / 1000)),
      recipientsPerSecond: round(CUSTOMERS / (runMs / 1000)),
      outcomes,
      workerKilled: killed,
      decidedWhenKilled: decidedAtKill,
      duplicateSends,
      duplicateCoupons,
      duplicateTargets,
      missedRecipients,
      missedSends,
      reportSeconds: round(reportMs / 1000),
      reportCounts: { targeted: report.total.targeted + report.holdout.targeted, sent: report.total.sent },
      workerPeakRssMiB: round(Math.max(rss.peakBytes(), rssAfter.peakBytes()) / 2 ** 20),
      mongo: stack.routes.mongo,
      machine: machine(),
    };
    const summary = [
      `campaign to ${CUSTOMERS} customers in pages of ${PAGE_SIZE}: ${figures.runSeconds}s, ${sends} sends (${figures.sendsPerSecond}/s)`,
      killed ? `worker SIGKILLed once recipient ${decidedAtKill} of the audience was decided; a fresh worker finished the run` : 'no worker kill',
      `duplicates: ${duplicateSends} sends, ${duplicateCoupons} coupons, ${duplicateTargets} decisions; missed: ${missedRecipients} recipients, ${missedSends} sends`,
      `outcomes: ${JSON.stringify(outcomes)}; seeding took ${figures.seedSeconds}s; the report over the run took ${figures.reportSeconds}s`,
    ].join('\n');
    return { summary, figures };
  } finally {
    for (const p of processes.reverse()) await p.stop().catch(() => undefined);
    await stack.stop();
  }
}
