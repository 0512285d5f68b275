/** Exit codes: 0 ok, 1 the operation failed, 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface FieldProblem {
  path: string;
  message: string;
}

/** A failure to show the user: title, detail, bad fields. Never a stack trace. */
export class CliError extends Error {
  constructor(
    readonly title: string,
    readonly detail: string,
    readonly fields: FieldProblem[] = [],
    readonly exitCode: number = EXIT_FAILED,
    readonly code?: string,
  ) {
    super(`${title}: ${detail}`);
  }
}

export function usageError(detail: string): CliError {
  return new CliError('Bad usage', detail, [], EXIT_USAGE);
}

export function formatError(error: CliError): string {
  const lines = [`error: ${error.title}${error.code ? ` (${error.code})` : ''}`, `  ${error.detail}`];
  // a field the detail already spells out is not said twice
  const fields = error.fields.filter((f) => `${f.path}: ${f.message}` !== error.detail);
  for (const f of fields.slice(0, 50)) lines.push(`  - ${f.path}: ${f.message}`);
  if (fields.length > 50) lines.push(`  … and ${fields.length - 50} more`);
  return `${lines.join('\n')}\n`;
}

/** Anything thrown (a SluiceError from offline validation, a network failure) as a CliError. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const e = error as {
    title?: string;
    detail?: string;
    fields?: FieldProblem[];
    code?: string;
    message?: string;
    cause?: { code?: string };
  };
  if (e && typeof e.title === 'string' && typeof e.detail === 'string') {
    return new CliError(e.title, e.detail, e.fields ?? [], EXIT_FAILED, e.code);
  }
  return new CliError('Failed', e?.message ?? String(error));
}
