import { diffLines } from 'diff';

/** Before and after as pretty JSON, line by line; removed and added lines are marked in words too. */
export function DiffView({ before, after }: { before: unknown; after: unknown }) {
  const parts = diffLines(
    `${JSON.stringify(before ?? null, null, 2)}\n`,
    `${JSON.stringify(after ?? null, null, 2)}\n`,
  );
  const changed = parts.some((p) => p.added || p.removed);
  if (!changed) return <p className="muted">No change.</p>;
  return (
    <figure className="diff" aria-label="Changes">
      <pre>
        {parts.flatMap((p, i) =>
          p.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, j) => {
              const sign = p.added ? '+' : p.removed ? '-' : ' ';
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: lines of a diff have no identity but their place
                <span key={`${i}-${j}`} className={p.added ? 'add' : p.removed ? 'del' : undefined}>
                  {p.added ? (
                    <span className="sr-only">added: </span>
                  ) : p.removed ? (
                    <span className="sr-only">removed: </span>
                  ) : null}
                  {sign} {line}
                  {'\n'}
                </span>
              );
            }),
        )}
      </pre>
    </figure>
  );
}
