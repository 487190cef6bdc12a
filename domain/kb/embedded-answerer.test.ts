import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../language';
import { answerFromKnowledgeBase } from './embedded-answerer';
import { KnowledgeIndex, type KnowledgeArticle } from './retrieval';

const seed = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'seed', 'knowledge-base.json'), 'utf8')) as KnowledgeArticle[];
const index = new KnowledgeIndex(seed);

const ask = (question: string) => answerFromKnowledgeBase(index, question, detectLanguage(question));

describe('embedded answerer', () => {
  it('answers a Chinese question in Chinese from the matching article, citing it', () => {
    const answer = ask('我的退款多久能到支付宝?');
    expect(answer.citations).toEqual(['kb-refund']);
    expect(answer.text).toContain('支付宝');
    expect(answer.text).toContain('1个工作日');
  });

  it('answers an English question in English', () => {
    const answer = ask('How long is the battery warranty?');
    expect(answer.citations).toEqual(['kb-warranty-en']);
    expect(answer.text).toContain('batteries 6 months');
    expect(answer.text).toContain('(Source: Warranty');
  });

  it('quotes the article and adds no words of its own beyond the source line', () => {
    const answer = ask('Do you ever ask for my password?');
    const body = seed.find((a) => a.id === answer.citations[0])!.body;
    const quoted = answer.text.replace(/ \(Source: [^)]*\)$/, '');
    for (const sentence of quoted.split(/(?<=\.)\s+/)) expect(body).toContain(sentence);
  });

  it('admits it has nothing and offers a human instead of guessing', () => {
    expect(ask('Who won the football match last night?')).toMatchObject({ grounded: false, citations: [] });
    expect(ask('今天天气怎么样?').text).toContain('人工客服');
  });
});
