import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api';
import { useI18n } from '../i18n';
import { FIELD_NAMES, OPERATOR_NAMES, SEGMENT_NAMES, text, type TextKey } from './text';

type Call = <T>(path: string, opts?: { method?: string; body?: unknown }) => Promise<T>;

/** A field a segment may filter on, as GET /api/segments declares it. */
export interface FieldSpec {
  field: string;
  kind: 'enum' | 'number' | 'boolean' | 'tags' | 'daysAgo';
  ops: string[];
  values?: string[];
}

interface Draft {
  field: string;
  op: string;
  value: string;
}

function freshDraft(spec: FieldSpec | undefined): Draft {
  return { field: spec?.field ?? '', op: spec?.ops[0] ?? 'eq', value: spec?.kind === 'boolean' ? 'true' : (spec?.values?.[0] ?? '') };
}

/** The condition as the API takes it: lists for "is one of", numbers and booleans by the field's kind. */
function condition(draft: Draft, spec: FieldSpec): { field: string; op: string; value: unknown } {
  if (draft.op === 'in') return { ...draft, value: draft.value.split(/[,,]/).map((v) => v.trim()).filter(Boolean) };
  if (spec.kind === 'number' || spec.kind === 'daysAgo') return { ...draft, value: Number(draft.value) };
  if (spec.kind === 'boolean') return { ...draft, value: draft.value === 'true' };
  return { ...draft, value: draft.value.trim() };
}

/** Defines a marketer segment as conditions over declared profile fields, counts it, and saves it. */
export function SegmentForm({ call, fields, onSaved, onError }: { call: Call; fields: FieldSpec[]; onSaved: (message: string) => void; onError: (message: string) => void }) {
  const { lang } = useI18n();
  const tr = (key: TextKey, vars?: Record<string, string | number>) => text(lang, key, vars);
  const [name, setName] = useState('');
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [size, setSize] = useState<number>();
  const specOf = (field: string) => fields.find((f) => f.field === field);
  const rows = drafts.length ? drafts : [freshDraft(fields[0])];
  const label = (names: Record<string, { zh: string; en: string }>, key: string) => names[key]?.[lang] ?? key;

  const change = (index: number, patch: Partial<Draft>) => {
    setSize(undefined);
    setDrafts(rows.map((d, i) => (i !== index ? d : patch.field !== undefined ? freshDraft(specOf(patch.field)) : { ...d, ...patch })));
  };
  const filter = () => ({ all: rows.map((d) => condition(d, specOf(d.field)!)) });

  const count = async () => {
    try {
      setSize((await call<{ size: number }>('/api/segments/preview', { method: 'POST', body: { filter: filter() } })).size);
    } catch (failure) {
      onError(errorMessage(failure));
    }
  };
  const save = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const saved = await call<{ segmentId: string; size: number }>('/api/segments', { method: 'POST', body: { name, filter: filter() } });
      onSaved(tr('segmentSaved', { name, n: saved.size }));
      setName('');
      setDrafts([]);
      setSize(undefined);
    } catch (failure) {
      onError(errorMessage(failure));
    }
  };

  if (fields.length === 0) return null;
  return (
    <section className="card" aria-labelledby="new-segment-title">
      <h2 id="new-segment-title">{tr('newSegment')}</h2>
      <form className="stacked" onSubmit={(e) => void save(e)}>
        <label>
          {tr('segmentName')} <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <fieldset>
          <legend>{tr('conditions')}</legend>
          {rows.map((draft, index) => {
            const spec = specOf(draft.field)!;
            const n = index + 1;
            return (
              <div key={index} className="condition" role="group" aria-label={`${tr('conditions')} ${n}`}>
                <label>
                  {tr('field')} {n}{' '}
                  <select value={draft.field} onChange={(e) => change(index, { field: e.target.value })}>
                    {fields.map((f) => (
                      <option key={f.field} value={f.field}>
                        {label(FIELD_NAMES, f.field)}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  {tr('operator')} {n}{' '}
                  <select value={draft.op} onChange={(e) => change(index, { op: e.target.value })}>
                    {spec.ops.map((op) => (
                      <option key={op} value={op}>
                        {label(OPERATOR_NAMES, op)}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  {tr('value')} {n}{' '}
                  <ValueInput spec={spec} draft={draft} onChange={(value) => change(index, { value })} />
                </label>
                {rows.length > 1 && (
                  <button type="button" onClick={() => setDrafts(rows.filter((_, i) => i !== index))}>
                    {tr('removeCondition')} {n}
                  </button>
                )}
              </div>
            );
          })}
          <button type="button" onClick={() => setDrafts([...rows, freshDraft(fields[0])])}>
            {tr('addCondition')}
          </button>
        </fieldset>
        <div className="actions">
          <button type="button" onClick={() => void count()}>
            {tr('countCustomers')}
          </button>
          {size !== undefined && <span data-testid="segment-size">{tr('segmentSize', { n: size })}</span>}
        </div>
        <button type="submit" className="primary">
          {tr('saveSegment')}
        </button>
      </form>
    </section>
  );
}

function ValueInput({ spec, draft, onChange }: { spec: FieldSpec; draft: Draft; onChange: (value: string) => void }) {
  const { lang } = useI18n();
  if (spec.kind === 'boolean') {
    return (
      <select value={draft.value} onChange={(e) => onChange(e.target.value)}>
        <option value="true">{lang === 'zh' ? '是' : 'yes'}</option>
        <option value="false">{lang === 'zh' ? '否' : 'no'}</option>
      </select>
    );
  }
  if (spec.kind === 'number' || spec.kind === 'daysAgo') return <input type="number" min={0} value={draft.value} onChange={(e) => onChange(e.target.value)} required />;
  if (spec.kind === 'enum' && draft.op !== 'in') {
    return (
      <select value={draft.value} onChange={(e) => onChange(e.target.value)}>
        {spec.values?.map((v) => (
          <option key={v} value={v}>
            {(SEGMENT_NAMES as Record<string, { zh: string; en: string }>)[v]?.[lang] ?? v}
          </option>
        ))}
      </select>
    );
  }
  return <input value={draft.value} onChange={(e) => onChange(e.target.value)} placeholder={draft.op === 'in' ? text(lang, 'listHint') : ''} required />;
}
