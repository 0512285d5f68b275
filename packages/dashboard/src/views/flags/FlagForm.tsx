/**
 * The flag as a form: state, variants, default and safe variants, targeting rules (from
 * segments and attributes) and a fractional split with sliders. Every change is a new spec
 * handed to `onChange`; the JSON beside it is the same spec.
 */
import {
  buildTargeting,
  type Fallback,
  OPERATORS,
  type Operator,
  parseTargeting,
  type Rule,
  rebalance,
} from './targeting';
import type { FlagSpec } from './types';

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function FlagForm(props: {
  spec: FlagSpec;
  segments: string[];
  onChange: (spec: FlagSpec) => void;
  readOnly: boolean;
}) {
  const { spec, segments, onChange, readOnly } = props;
  const variants = Object.keys(spec.variants);
  const model = parseTargeting(spec.targeting);
  const set = (patch: Partial<FlagSpec>) => onChange({ ...spec, ...patch });
  const setTargeting = (rules: Rule[], fallback: Fallback) => {
    const targeting = buildTargeting({ rules, fallback });
    const next = { ...spec } as FlagSpec;
    if (targeting === undefined) delete next.targeting;
    else next.targeting = targeting as FlagSpec['targeting'];
    onChange(next);
  };
  const variantSelect = (value: string, onPick: (v: string) => void, label: string) => (
    <select aria-label={label} value={value} onChange={(e) => onPick(e.target.value)} disabled={readOnly}>
      {variants.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </select>
  );
  return (
    <fieldset disabled={readOnly} className="flag-form">
      <legend>Flag</legend>
      <label className="inline">
        <input
          type="checkbox"
          checked={spec.state === 'ENABLED'}
          onChange={(e) => set({ state: e.target.checked ? 'ENABLED' : 'DISABLED' })}
        />{' '}
        Enabled
      </label>
      <label>
        Description
        <input
          value={spec.description ?? ''}
          onChange={(e) => set({ description: e.target.value || undefined })}
        />
      </label>
      <label>
        Tags (comma-separated)
        <input
          value={(spec.tags ?? []).join(', ')}
          onChange={(e) => {
            const tags = e.target.value
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean);
            set({ tags: tags.length ? tags : undefined });
          }}
        />
      </label>
      <table>
        <caption>Variants</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Value (JSON)</th>
            <th scope="col">
              <span className="sr-only">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {variants.map((v) => (
            <tr key={v}>
              <th scope="row">{v}</th>
              <td>
                <input
                  key={JSON.stringify(spec.variants[v])}
                  aria-label={`Value of ${v}`}
                  defaultValue={JSON.stringify(spec.variants[v])}
                  onBlur={(e) =>
                    set({ variants: { ...spec.variants, [v]: parseValue(e.target.value) as never } })
                  }
                />
              </td>
              <td>
                <button
                  type="button"
                  disabled={variants.length <= 1}
                  onClick={() => {
                    const { [v]: _gone, ...rest } = spec.variants;
                    set({ variants: rest });
                  }}
                >
                  Remove {v}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          const name = String(data.get('name') ?? '').trim();
          if (!name || name in spec.variants) return;
          set({
            variants: { ...spec.variants, [name]: parseValue(String(data.get('value') ?? 'null')) as never },
          });
          e.currentTarget.reset();
        }}
      >
        <label>
          New variant <input name="name" />
        </label>
        <label>
          value <input name="value" placeholder="true" />
        </label>
        <button type="submit">Add variant</button>
      </form>
      <div className="row">
        <div className="field">
          <span aria-hidden="true">Default variant</span>
          {variantSelect(spec.defaultVariant ?? '', (v) => set({ defaultVariant: v }), 'Default variant')}
        </div>
        <div className="field">
          <span aria-hidden="true">Safe variant (kill switch, emergency)</span>
          {variantSelect(
            spec.safeVariant ?? '',
            (v) => set({ safeVariant: v }),
            'Safe variant (kill switch, emergency)',
          )}
        </div>
      </div>
      {model ? (
        <Targeting
          rules={model.rules}
          fallback={model.fallback}
          variants={variants}
          segments={segments}
          onChange={setTargeting}
        />
      ) : (
        <p className="note">This targeting goes beyond the form: edit it in the JSON view.</p>
      )}
    </fieldset>
  );
}

function Targeting(props: {
  rules: Rule[];
  fallback: Fallback;
  variants: string[];
  segments: string[];
  onChange: (rules: Rule[], fallback: Fallback) => void;
}) {
  const { rules, fallback, variants, segments, onChange } = props;
  const first = variants[0] ?? '';
  const setRule = (i: number, rule: Rule) =>
    onChange(
      rules.map((r, k) => (k === i ? rule : r)),
      fallback,
    );
  return (
    <fieldset className="targeting">
      <legend>Targeting</legend>
      <ol className="rules">
        {rules.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rules are identified by their order
          <li key={i} className="row">
            {r.kind === 'segment' ? (
              <label>
                In segment
                <select value={r.segment} onChange={(e) => setRule(i, { ...r, segment: e.target.value })}>
                  {[...new Set([r.segment, ...segments])].map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </label>
            ) : (
              <>
                <label>
                  Attribute{' '}
                  <input
                    value={r.attribute}
                    onChange={(e) => setRule(i, { ...r, attribute: e.target.value })}
                  />
                </label>
                <label>
                  Operator
                  <select
                    value={r.operator}
                    onChange={(e) => setRule(i, { ...r, operator: e.target.value as Operator })}
                  >
                    {OPERATORS.map((o) => (
                      <option key={o}>{o}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Values (comma-separated)
                  <input
                    value={r.values.join(', ')}
                    onChange={(e) =>
                      setRule(i, { ...r, values: e.target.value.split(',').map((v) => v.trim()) })
                    }
                  />
                </label>
              </>
            )}
            <label>
              serves
              <select value={r.variant} onChange={(e) => setRule(i, { ...r, variant: e.target.value })}>
                {variants.map((v) => (
                  <option key={v}>{v}</option>
                ))}
              </select>
            </label>
            <button
              type="button"
              onClick={() =>
                onChange(
                  rules.filter((_, k) => k !== i),
                  fallback,
                )
              }
            >
              Remove rule {i + 1}
            </button>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button
          type="button"
          onClick={() =>
            onChange(
              [
                ...rules,
                { kind: 'attribute', attribute: 'user_segment', operator: 'in', values: [], variant: first },
              ],
              fallback,
            )
          }
        >
          Add attribute rule
        </button>
        <button
          type="button"
          disabled={!segments.length}
          onClick={() =>
            onChange([...rules, { kind: 'segment', segment: segments[0] ?? '', variant: first }], fallback)
          }
        >
          Add segment rule
        </button>
      </div>
      <label>
        Everyone else
        <select
          value={fallback.kind}
          onChange={(e) => {
            const kind = e.target.value as Fallback['kind'];
            const next: Fallback =
              kind === 'variant'
                ? { kind, variant: first }
                : kind === 'fractional'
                  ? { kind, weights: variants.map((v, i) => [v, i === 0 ? 100 : 0]) }
                  : { kind };
            onChange(rules, next);
          }}
        >
          <option value="default">gets the default variant</option>
          <option value="variant">gets one variant</option>
          <option value="fractional">is split by weight</option>
        </select>
      </label>
      {fallback.kind === 'variant' && (
        <label>
          Variant
          <select
            value={fallback.variant}
            onChange={(e) => onChange(rules, { kind: 'variant', variant: e.target.value })}
          >
            {variants.map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        </label>
      )}
      {fallback.kind === 'fractional' &&
        fallback.weights.map(([v, w], i) => (
          <label key={v} className="slider">
            {v} <output>{w}%</output>
            <input
              type="range"
              min={0}
              max={100}
              value={w}
              aria-label={`Weight of ${v}`}
              onChange={(e) =>
                onChange(rules, {
                  kind: 'fractional',
                  weights: rebalance(fallback.weights, i, Number(e.target.value)),
                })
              }
            />
          </label>
        ))}
    </fieldset>
  );
}
