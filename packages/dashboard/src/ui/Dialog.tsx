/**
 * A modal confirmation: says what will happen, asks for a reason where the API takes one, and
 * for a typed word where a mistake is expensive (the environment's name for an emergency stop).
 * Escape or Cancel closes it; focus starts in it and returns where it was.
 */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

export interface ConfirmProps {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  /** Ask for a reason: 'required' refuses an empty one. */
  reason?: 'optional' | 'required';
  reasonLabel?: string;
  /** The user must type this exact text to confirm. */
  typeToConfirm?: string;
  danger?: boolean;
  onConfirm: (reason: string) => Promise<void> | void;
  onClose: () => void;
}

export function Confirm(props: ConfirmProps) {
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const box = useRef<HTMLDivElement>(null);
  const onClose = props.onClose;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    box.current?.querySelector<HTMLElement>('input, textarea, button')?.focus();
    return () => before?.focus?.();
  }, []);
  const blocked =
    busy ||
    (props.reason === 'required' && reason.trim() === '') ||
    (props.typeToConfirm !== undefined && typed !== props.typeToConfirm);
  const submit = async () => {
    if (blocked) return;
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm(reason.trim());
      onClose();
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <div className="backdrop">
      <div
        ref={box}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
        }}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {props.reason && (
            <label>
              {props.reasonLabel ?? (props.reason === 'required' ? 'Reason (required)' : 'Reason (optional)')}
              <textarea
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                rows={2}
                maxLength={1000}
              />
            </label>
          )}
          {props.typeToConfirm !== undefined && (
            <label>
              Type <strong>{props.typeToConfirm}</strong> to confirm
              <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
            </label>
          )}
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className={props.danger ? 'danger' : 'primary'} disabled={blocked}>
              {props.confirmLabel}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
