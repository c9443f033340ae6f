import { useState, type FormEvent, type ReactNode } from "react";
import { ApiFailure } from "../api/client";

/** A time in the browser's zone, with the exact instant on hover. */
export function Time({ value }: { value: string | number | null | undefined }) {
  if (value === null || value === undefined) return <span className="muted">never</span>;
  const date = new Date(value);
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {date.toLocaleString()}
    </time>
  );
}

/** An error in words: the API's message, never a stack. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : "something went wrong";
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

/** The API's message for one field, next to it. */
export function FieldError({ error, path, id }: { error: unknown; path: string; id: string }) {
  if (!(error instanceof ApiFailure)) return null;
  const fields = error.fields;
  const message = fields[path] ?? Object.entries(fields).find(([key]) => key.startsWith(`${path}.`))?.[1];
  if (!message) return null;
  return (
    <span className="field-error" id={id} role="alert">
      {message}
    </span>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Without clipboard access (plain http), select the text for a manual copy.
      const range = document.createRange();
      const node = document.querySelector(`[data-copy="${CSS.escape(text)}"]`);
      if (node) {
        range.selectNodeContents(node);
        window.getSelection()?.removeAllRanges();
        window.getSelection()?.addRange(range);
      }
    }
    setCopied(true);
  };
  return (
    <button type="button" className="secondary" onClick={() => void copy()}>
      {copied ? "Copied" : label}
    </button>
  );
}

export function Secret({ value, label }: { value: string; label: string }) {
  return (
    <div className="secret">
      <span className="muted">{label} (shown this once)</span>
      <code data-copy={value}>{value}</code>
      <CopyButton text={value} />
    </div>
  );
}

export function Pager({ page, total, limit, onPage }: { page: number; total: number; limit: number; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / limit));
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label="pages">
      <button type="button" className="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages} ({total})
      </span>
      <button type="button" className="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

/** Before a query has its data: Loading while it is pending, its error once it failed, else nothing. */
export function QueryStatus({ query, what }: { query: { isPending: boolean; error: unknown }; what: string }) {
  if (query.error) return <ErrorNote error={query.error} />;
  if (query.isPending) return <Loading what={what} />;
  return null;
}

/** A form's submit handler: the browser does not navigate, the action runs (the API is called from script). */
export function submitWith(action: () => void): (event: FormEvent) => void {
  return (event) => {
    event.preventDefault();
    action();
  };
}

/**
 * A form that creates something from one field: its label, the field, the submit button (its
 * words while the call is under way), and the API's message about that field next to it.
 */
export function OneFieldForm({
  name,
  card = false,
  id,
  label,
  value,
  onChange,
  mutation,
  path,
  words,
}: {
  name: string;
  card?: boolean;
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  mutation: { mutate: () => void; isPending: boolean; error: unknown };
  /** The request's field the input fills, as the API names it in a 400. */
  path: string;
  words: { submit: string; submitting: string };
}) {
  return (
    <form className={card ? "inline card" : "inline"} onSubmit={submitWith(() => mutation.mutate())} aria-label={name}>
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(e) => onChange(e.target.value)} />
      <button type="submit" disabled={mutation.isPending}>
        {mutation.isPending ? words.submitting : words.submit}
      </button>
      <FieldError error={mutation.error} path={path} id={`${id}-error`} />
    </form>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}
