import { escapeRegExp, expandContractions, foldText } from './text';
import type { Sentiment } from './types';

interface PolarWords {
  weight: number;
  zh: string[];
  en: string[];
}

/**
 * Weighted cue words. Chinese cues match inside the text, English ones as whole words. Words that
 * already carry their negation ("没收到", "登不上", "never arrived") are cues of their own, so the
 * negation rule below never flips them back.
 */
const LEXICON: PolarWords[] = [
  {
    weight: -2,
    zh: [
      '垃圾', '恶劣', '太差', '很差', '真差', '极差', '最差', '投诉', '骗子', '骗人', '坑人', '气死', '失望', '离谱', '过分', '无语', '受够', '受不了',
      '差评', '举报', '曝光', '报警', '12315', '消协', '崩溃', '可恶', '糟糕', '破服务', '寒心', '太慢',
    ],
    en: [
      'terrible', 'awful', 'horrible', 'worst', 'rude', 'scam', 'furious', 'disgusting', 'unacceptable', 'ridiculous', 'rubbish', 'garbage', 'useless',
      'ripped off', 'fed up', 'sick of', 'complaint', 'lied', 'shame', 'pathetic', 'outrageous',
    ],
  },
  {
    weight: -1,
    zh: [
      // Poor quality and faults.
      '差劲', '好差', '质量差', '服务差', '烂', '坏', '故障', '失败', '碎', '裂', '划痕', '漏', '异响', '杂音', '没声音', '死机', '黑屏', '卡顿', '闪退', '断连',
      '不转了', '不动了', '不亮', '不工作', '开不了机', '充不进', '失效', '瑕疵', '质量问题', '有问题', '丑', '污渍', '脏', '二手', '旧的', '难用', '不好', '不行',
      '不靠谱', '不怎么样', '刮花', '刮坏', '弄坏', '摔坏', '损坏', '错误', '报错', '不能用', '用不了',
      // Things that did not happen or cannot be done.
      '没到', '没收到', '没拿到', '没到账', '没发货', '没回复', '没处理', '没解决', '没动静', '没反应', '没动', '没更新', '还没', '一直没', '迟迟', '怎么还没', '怎么还不',
      '收不到', '登不上', '登不进', '进不去', '打不开', '连不上', '付不了', '退不了', '联系不上', '找不到', '听不懂', '不解决', '不处理', '不管事', '不作为',
      // Money taken wrongly, accounts at risk.
      '被扣', '扣了两', '多扣', '重复扣', '乱收费', '异地登录', '被盗', '盗号', '盗用', '冻结', '被锁', '异常', '被拒', '拒绝',
      // Mistakes by the shop.
      '发错', '开错', '寄错', '搞错', '弄错', '丢了', '弄丢', '扔',
      // Frustration, impatience, threats.
      '慢', '骗', '坑', '生气', '烦死', '好烦', '很烦', '烦人', '心烦', '拖了', '敷衍', '不满', '赔偿', '着急', '急死', '急事', '快点', '不负责', '没人理', '没人接',
      '推脱', '踢皮球', '迟到', '效率太低', '浪费', '一问三不知', '钱呢', '人呢', '退款呢', '告你', '起诉', '律师', '倒闭',
    ],
    en: [
      'bad', 'poor', 'broken', 'broke', 'damaged', 'defective', 'faulty', 'cracked', 'dead', 'error', 'ugly', 'dirty', 'stained', 'used one', 'leaks', 'leaking',
      'not working', 'stopped working', 'not turn on', 'not charge', 'not charging', 'disconnecting', 'disconnects', 'keeps crashing', 'crashes', 'freezes', 'laggy',
      'still no', 'still not', 'still waiting', 'never arrived', 'never arrives', 'never came', 'never got', 'never received', 'not arrived', 'not received',
      'not moved', 'not updated', 'no update', 'zero response', 'no response', 'unable to', 'on hold', 'kept me waiting', 'late', 'delayed', 'slow',
      'charged twice', 'double charged', 'hacked', 'stolen', 'locked', 'frozen', 'blocked', 'banned', 'declined', 'rejected', 'failed', 'fail',
      'lost', 'wrong', 'missing', 'ignored', 'runaround', 'waste', 'is a joke',
      'complain', 'disappointed', 'disappointing', 'angry', 'upset', 'annoyed', 'annoying', 'frustrated', 'unhappy', 'compensation', 'sue', 'lawyer', 'asap', 'urgent', 'hurry',
    ],
  },
  {
    weight: 1,
    zh: [
      '满意', '好评', '不错', '还不错', '还行', '很好', '挺好', '真好', '太好了', '棒', '赞', '点赞', '喜欢', '好用', '完美', '优秀', '专业', '给力', '开心', '高兴',
      '解决了', '没问题', '辛苦了', '好的', '好嘞', '搞定', '明白了', '贴心',
    ],
    en: [
      'great', 'awesome', 'excellent', 'good', 'love', 'perfect', 'wonderful', 'helpful', 'happy', 'amazing', 'fantastic', 'brilliant', 'nice', 'pleased',
      'satisfied', 'solved', 'sorted', 'no problem', 'no worries', 'not bad', 'well done', 'professional', 'glad', 'like it', 'like them', 'cool',
    ],
  },
];

/** Phrases too varied for a word list: waiting for days, being charged twice. */
const PATTERNS: Array<{ pattern: RegExp; weight: number; english: boolean }> = [
  { pattern: /(已经|都|等了|拖了)[^,。,.!?]{0,4}(天|周|星期|个月|小时)了/g, weight: -1, english: false },
  { pattern: /\b(for|in) (days|weeks|ages)\b|\bages ago\b/g, weight: -1, english: true },
  { pattern: /(付|扣|收|支付|扣款)了?(两|二|2)(次|笔)/g, weight: -1, english: false },
  // "金额不对" is wrong; "对不对" only asks.
  { pattern: /(?<!对)不对/g, weight: -1, english: false },
  // "an issue with my order" is trouble; "issue an invoice" is a request.
  { pattern: /\b(an|the|this|that|some|same|having|had|have|has|got) (issue|problem)s?\b/g, weight: -1, english: true },
  { pattern: /\bcan not (log|sign|access|login|open|use|find|get|connect|pay|reach)\b/g, weight: -1, english: true },
  { pattern: /\b(charged|billed|debited|deducted)\b[^.!?]{0,30}\b(twice|two times|double)\b/g, weight: -1, english: true },
  // Taking leave is mildly warm: with thanks or praise it tips a message to positive, alone it does not.
  { pattern: /再见|拜拜|\b(bye|goodbye)\b/g, weight: 0.5, english: false },
  /** Greetings are not praise. */
  { pattern: /\bgood (morning|afternoon|evening|day|night)\b/g, weight: 0, english: true },
];

/** Thanks at the end of a request is courtesy; thanks on its own, or after help, is satisfaction. */
const THANKS = { zh: ['谢谢', '感谢', '多谢', '谢了', '谢啦'], en: ['thanks', 'thank you', 'thank', 'appreciate', 'cheers'] };
const REQUEST_MARKERS = /[?]|吗|请|帮我|麻烦|能不能|可不可以|怎么|\b(please|can you|could you|help me|how|what|when|where|why)\b/;

/** Things customers say they do not want; negated they are frustration ("不想跟机器人说话"). */
const UNWANTED = { zh: ['机器人', '自动回复'], en: ['bot', 'robot', 'automated'] };

const ZH_NEGATORS = /[不没别无未]|不太|不是很/;
const EN_NEGATORS = new Set(['not', 'no', 'never', 'without', 'hardly', 'nothing', 'nobody']);
const INTENSIFIERS = /(太|很|非常|特别|超|真的|极其|实在|\b(so|very|really|extremely|totally|absolutely)\b)\s*$/;

interface Cue {
  pattern: RegExp;
  weight: number;
  kind: 'polar' | 'thanks' | 'unwanted';
  english: boolean;
}

function cuePatterns(words: string[], english: boolean): string[] {
  return words.map((word) => (english ? `\\b${escapeRegExp(word)}\\b` : escapeRegExp(word)));
}

function compile(words: { zh: string[]; en: string[] }, weight: number, kind: Cue['kind']): Cue[] {
  return [
    ...cuePatterns(words.zh, false).map((source) => ({ pattern: new RegExp(source, 'g'), weight, kind, english: false })),
    ...cuePatterns(words.en, true).map((source) => ({ pattern: new RegExp(source, 'g'), weight, kind, english: true })),
  ];
}

const CUES: Cue[] = [
  ...LEXICON.flatMap(({ weight, zh, en }) => compile({ zh, en }, weight, 'polar')),
  ...PATTERNS.map(({ pattern, weight, english }) => ({ pattern, weight, kind: 'polar' as const, english })),
  ...compile(THANKS, 1, 'thanks'),
  ...compile(UNWANTED, 0, 'unwanted'),
];

interface CueHit {
  cue: Cue;
  start: number;
  end: number;
}

/** Longest cues win where they overlap: "没问题" is one positive cue, not a negated "问题". */
function findCueHits(text: string): CueHit[] {
  const hits: CueHit[] = [];
  for (const cue of CUES) {
    for (const match of text.matchAll(cue.pattern)) hits.push({ cue, start: match.index, end: match.index + match[0].length });
  }
  // On equal length the more negative cue wins: "不好的" is "不好", not "好的".
  hits.sort((a, b) => b.end - b.start - (a.end - a.start) || a.cue.weight - b.cue.weight);
  const kept: CueHit[] = [];
  for (const hit of hits) if (!kept.some((k) => hit.start < k.end && k.start < hit.end)) kept.push(hit);
  return kept;
}

function isNegated(text: string, hit: CueHit): boolean {
  const before = text.slice(0, hit.start);
  if (hit.cue.english) return before.split(/[^a-z]+/).filter(Boolean).slice(-3).some((word) => EN_NEGATORS.has(word));
  return ZH_NEGATORS.test(before.slice(-3).split(/[,.!?;,。!?;]/).at(-1) ?? '');
}

/** "机器人别回了": in Chinese the refusal may follow what is refused. */
function isRefusedAfter(text: string, hit: CueHit): boolean {
  return !hit.cue.english && /^\s*(别|不要|走开|闭嘴)/.test(text.slice(hit.end));
}

/** "Recommend a good restaurant" describes what is wanted; it does not praise. */
function describesWantedThing(text: string, hit: CueHit): boolean {
  return hit.cue.english && /\b(a|an|some|any)\s*$/.test(text.slice(0, hit.start));
}

/** "Is the P3 good for a bedroom?" asks; it does not praise. */
function inQuestion(text: string, hit: CueHit): boolean {
  const rest = text.slice(hit.end);
  const sentenceEnd = rest.search(/[.!。!;;]|$/);
  return /[?吗]/.test(rest.slice(0, sentenceEnd)) || /^\s*(is|are|does|do|can|could|will|would)\b/.test(text.slice(0, hit.start).split(/[.!?。!?]/).at(-1) ?? '');
}

function hitWeight(text: string, hit: CueHit, isRequest: boolean): number {
  const negated = isNegated(text, hit);
  if (hit.cue.kind === 'unwanted') return negated || isRefusedAfter(text, hit) ? -1 : 0;
  if (hit.cue.kind === 'thanks') return isRequest ? 0.25 : 1;
  const intensity = INTENSIFIERS.test(text.slice(0, hit.start)) ? 1.5 : 1;
  const questionDamping = hit.cue.weight > 0 && (inQuestion(text, hit) || describesWantedThing(text, hit)) ? 0.25 : 1;
  const weight = hit.cue.weight * intensity * questionDamping;
  // "不满意" turns praise into complaint; "not bad" is only mildly good.
  return negated ? -weight * (weight > 0 ? 1 : 0.5) : weight;
}

export interface SentimentReading {
  sentiment: Sentiment;
  /** -1..1. */
  score: number;
}

const POLARITY_THRESHOLD = 0.75;

/** Lexicon sentiment with negation, intensifiers and the courtesy rule for thanks, in Chinese and English. */
export function analyzeSentiment(text: string): SentimentReading {
  const prepared = expandContractions(foldText(text));
  const isRequest = REQUEST_MARKERS.test(prepared);
  const raw = findCueHits(prepared).reduce((sum, hit) => sum + hitWeight(prepared, hit, isRequest), 0);
  const score = Math.round(Math.tanh(raw / 2) * 1000) / 1000;
  const sentiment: Sentiment = raw <= -POLARITY_THRESHOLD ? 'negative' : raw >= POLARITY_THRESHOLD ? 'positive' : 'neutral';
  return { sentiment, score };
}
